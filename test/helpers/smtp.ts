/**
 * A real SMTP server on 127.0.0.1 (smtp-server, a random port) that keeps every mail it receives, so
 * tests see exactly what the panel sent. `nextMail` waits for the next one (no sleeping).
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and body), quoted-printable decoded. */
  text: string;
}

export interface MailSink {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** The mail after the `seen` first ones (default: all received so far), waiting for it if need be. */
  nextMail(seen?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Undo quoted-printable (soft line breaks and =XX), which nodemailer uses for long lines. */
function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export async function startMailSink(opts: { user?: string; pass?: string } = {}): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: opts.user === undefined,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.pass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          text: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')),
        });
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  const auth = opts.user !== undefined ? `${opts.user}:${opts.pass}@` : '';
  return {
    url: `smtp://${auth}127.0.0.1:${port}`,
    port,
    mails,
    async nextMail(seen = mails.length) {
      while (mails.length <= seen) await new Promise<void>((r) => waiters.push(r));
      return mails[seen] as ReceivedMail;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The reset link in a mail, and its token. */
export function resetLinkOf(mail: ReceivedMail): { link: string; token: string } {
  const m = /(https?:\/\/\S+\/reset-password\?token=([A-Za-z0-9_%-]+))/.exec(mail.text);
  if (!m) throw new Error(`no reset link in the mail:\n${mail.text}`);
  return { link: m[1] as string, token: decodeURIComponent(m[2] as string) };
}
