/**
 * Sending mail: a small port (`Mailer`) that use cases call, and its one adapter, SMTP through
 * nodemailer. The SMTP server is a panel-wide setting (`settings set --smtp-url`), read when a mail
 * is sent, so a change applies at once in every process. Errors thrown here never carry the SMTP
 * password: `mailErrorText` is what may be logged.
 */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Hand the message to the mail server; throws when it could not. */
  send(message: MailMessage): Promise<void>;
}

/** How long to wait for the SMTP server at each step before giving up. */
const TIMEOUT_MS = 10_000;

/** A Mailer that sends through the SMTP server at `url` (smtp:// or smtps://) as `from`. */
export function smtpMailer(opts: { url: string; from: string }): Mailer {
  return {
    async send(message) {
      // Loaded at the first mail, not at start.
      const { createTransport } = await import('nodemailer');
      const transport = createTransport({
        url: opts.url,
        connectionTimeout: TIMEOUT_MS,
        greetingTimeout: TIMEOUT_MS,
        socketTimeout: TIMEOUT_MS,
      });
      try {
        await transport.sendMail({ from: opts.from, ...message });
      } finally {
        transport.close();
      }
    },
  };
}

/**
 * A send failure as loggable text: the error's code and message with any URL credentials and any
 * e-mail address (a server may name the refused recipient) removed.
 */
export function mailErrorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const clean = message
    .replace(/(smtps?:\/\/)[^@\s/]*@/gi, '$1****@')
    .replace(/[^\s<>@"',;:]+@[^\s<>@"',;]+/g, '<address>')
    .slice(0, 300);
  return typeof e?.code === 'string' ? `${e.code}: ${clean}` : clean;
}
