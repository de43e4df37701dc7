/**
 * Use case: someone asks for a password reset link by username or e-mail. The answer is the same
 * whether or not the account exists, has an e-mail or is disabled (no account enumeration); only
 * an active account with an e-mail is mailed. The token is 32 random bytes, stored as its SHA-256,
 * valid for an hour, and the newest one replaces the user's older ones. At most
 * MAX_RESET_MAILS_PER_HOUR mails go to one account per hour, whoever asks.
 *
 * The mail is handed back as a promise (`delivery`) that never rejects: the web face answers at once
 * and logs the outcome later, so a slow or broken SMTP server neither delays nor changes the answer.
 * The link points at the configured public address (`settings set --public-url`), never at the
 * request's Host header, which a caller chooses.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type Mailer, mailErrorText, smtpMailer } from '../mail/mailer.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getMailSettings } from '../settings/settings.js';
import { countResetsSince, expireLiveResets, insertReset } from './password-resets.repo.js';
import { generateSessionToken, hashSessionToken } from './session-token.js';
import { findUserByEmail, findUserByUsername } from './users.repo.js';

export const RESET_TOKEN_TTL_MS = 60 * 60_000;
export const MAX_RESET_MAILS_PER_HOUR = 3;

export type ResetMailOutcome =
  | { sent: true; userId: number }
  | { sent: false; reason: 'no_account' | 'limited' }
  | { sent: false; reason: 'failed'; userId: number; error: string };

export async function requestPasswordReset(opts: {
  db: Executor;
  /** What the customer typed: a username, or an e-mail (anything with an @). */
  login: string;
  now?: number;
  /** Sends the mail; default: SMTP from the settings. */
  mailer?: Mailer;
}): Promise<Result<{ delivery: Promise<ResetMailOutcome> }, FailureOf<'reset_unavailable'>>> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  const settings = await getMailSettings(db);
  if (settings.smtpUrl === null || settings.publicUrl === null) return fail({ code: 'reset_unavailable' });
  const nothing = (reason: 'no_account' | 'limited') =>
    ok({ delivery: Promise.resolve({ sent: false, reason } as const) });

  const login = opts.login.trim();
  const user = login.includes('@')
    ? await findUserByEmail(db, login.toLowerCase())
    : await findUserByUsername(db, login);
  if (!user || user.disabled || !user.email) return nothing('no_account');
  const to = user.email;

  const token = generateSessionToken();
  const issued = await inTransaction(db, async (tx) => {
    if ((await countResetsSince(tx, user.id, now - 60 * 60_000)) >= MAX_RESET_MAILS_PER_HOUR) return false;
    await expireLiveResets(tx, user.id, now);
    await insertReset(tx, {
      userId: user.id,
      tokenHash: hashSessionToken(token),
      now,
      expiresAt: now + RESET_TOKEN_TTL_MS,
    });
    return true;
  });
  if (!issued) return nothing('limited');

  const link = `${settings.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
  const from = settings.mailFrom ?? `no-reply@${new URL(settings.publicUrl).hostname}`;
  const mailer = opts.mailer ?? smtpMailer({ url: settings.smtpUrl, from });
  const delivery = mailer
    .send({
      to,
      subject: 'Reset your password',
      text: [
        `Hello ${user.username},`,
        '',
        `To choose a new password for ${settings.publicUrl}, open this link (it works once, for 1 hour):`,
        '',
        link,
        '',
        'Did not ask for it? Ignore this mail: your password stays the same.',
        '',
      ].join('\n'),
    })
    .then(
      (): ResetMailOutcome => ({ sent: true, userId: user.id }),
      (err): ResetMailOutcome => ({
        sent: false,
        reason: 'failed',
        userId: user.id,
        error: mailErrorText(err),
      }),
    );
  return ok({ delivery });
}
