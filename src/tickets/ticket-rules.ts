/** The rules of what a ticket may hold: the message text and the orders it is about. */

export const MAX_MESSAGE_CHARS = 5000;
export const MAX_TICKET_ORDERS = 20;

// Control characters other than the newline (tabs included): they hide text or break terminals.
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

/**
 * The message as stored (CRLF and CR become LF, surrounding blank space trimmed), or null when it is
 * empty, longer than MAX_MESSAGE_CHARS characters or holds a control character other than a newline.
 */
export function normalizeMessage(text: string): string | null {
  const body = text.replace(/\r\n?/g, '\n').trim();
  const chars = [...body].length;
  if (chars < 1 || chars > MAX_MESSAGE_CHARS) return null;
  if (CONTROL.test(body)) return null;
  return body;
}
