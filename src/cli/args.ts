/**
 * Parsing of command arguments, one rule per kind, shared by every command: amounts and rates by
 * money.ts, ids and counts by ids.ts. A bad value is a CliFailure (exit 1) naming what was wrong.
 */
import { parseWholeNumber } from '../ids.js';
import { parseAmount, parseRate } from '../money.js';
import { CliFailure, type CliIo } from './context.js';

export function amountArg(text: string, what: string): bigint {
  const v = parseAmount(text);
  if (v === null)
    throw new CliFailure(`${what} must be a decimal number with at most 7 decimals (got "${text}")`);
  return v;
}

export function rateArg(text: string): bigint {
  const v = parseRate(text);
  if (v === null)
    throw new CliFailure(`rate must be a non-negative decimal with at most 4 decimals (got "${text}")`);
  return v;
}

export function intArg(text: string, what: string, min = 0): bigint {
  const n = parseWholeNumber(text);
  if (n === null || n < BigInt(min)) {
    throw new CliFailure(
      `${what} must be a whole number${min > 0 ? ` of at least ${min}` : ''} (got "${text}")`,
    );
  }
  return n;
}

export function idArg(text: string, what: string): number {
  return Number(intArg(text, what, 1));
}

/** The first line of a stream (without its line end), or null when it ends before any character. */
async function readLine(stream: NodeJS.ReadableStream): Promise<string | null> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text === '' ? null : text.replace(/\r$/, '');
}

/**
 * A secret (password, provider key) from exactly one of: the command line (visible in `ps` and shell
 * history), one line of standard input, or an environment variable. Undefined when none is given.
 */
export async function secretArg(
  io: CliIo,
  what: string,
  from: { value?: string | undefined; stdin?: boolean | undefined; env?: string | undefined; flag: string },
): Promise<string | undefined> {
  const given = [from.value !== undefined, !!from.stdin, from.env !== undefined].filter(Boolean).length;
  if (given > 1)
    throw new CliFailure(
      `give the ${what} one way only: --${from.flag}, --${from.flag}-stdin or --${from.flag}-env`,
    );
  if (from.value !== undefined) return from.value;
  if (from.stdin) {
    const line = io.stdin ? await readLine(io.stdin) : null;
    if (!line) throw new CliFailure(`no ${what} on standard input (one line expected)`);
    return line;
  }
  if (from.env !== undefined) {
    const v = io.env[from.env];
    if (v === undefined || v === '') throw new CliFailure(`environment variable ${from.env} is not set`);
    return v;
  }
  return undefined;
}

/**
 * A date or time in ISO 8601 (`2025-03-01` or `2025-03-01T12:00:00Z`) as epoch ms. A bare date is the
 * start of that day (UTC); with `endOfDay` it is the start of the next day, so that `--until` with a
 * date includes that whole day.
 */
export function dateArg(text: string, what: string, endOfDay = false): number {
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(text.trim());
  const ms = bare
    ? Date.parse(`${text.trim()}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(text.trim())
      ? Date.parse(text.trim())
      : Number.NaN;
  if (Number.isNaN(ms))
    throw new CliFailure(
      `${what} must be an ISO date like 2025-03-01 or 2025-03-01T12:00:00Z (got "${text}")`,
    );
  return bare && endOfDay ? ms + 86_400_000 : ms;
}

/**
 * A text (a ticket's message) from exactly one of: the command line, or the whole of standard input
 * (several lines allowed, e.g. a file piped in). Refused when given both ways or neither.
 */
export async function textArg(
  io: CliIo,
  what: string,
  from: { value?: string | undefined; stdin?: boolean | undefined; flag: string },
): Promise<string> {
  if (from.value !== undefined && from.stdin)
    throw new CliFailure(`give the ${what} one way only: --${from.flag} or --${from.flag}-stdin`);
  if (from.value !== undefined) return from.value;
  if (!from.stdin) throw new CliFailure(`give the ${what}: --${from.flag} TEXT or --${from.flag}-stdin`);
  let text = '';
  for await (const chunk of io.stdin ?? process.stdin)
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}
