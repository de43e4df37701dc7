/**
 * Use case: a signed-in customer sets or removes (empty text) their e-mail, proving their password:
 * the e-mail decides where reset links go, so whoever found an open session must not redirect them.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, type Result } from '../result.js';
import { invalidEmail, normalizeEmail, storeEmail } from './email.js';
import { verifyPassword } from './secrets.js';
import { findCredentials } from './sessions.repo.js';

export async function changeEmail(opts: {
  db: Executor;
  userId: number;
  currentPassword: string;
  /** The new address; empty: remove it. */
  email: string;
}): Promise<
  Result<
    { email: string | null },
    FailureOf<'wrong_password' | 'invalid_email' | 'email_taken' | 'unknown_user'>
  >
> {
  const { db } = opts;
  const email = opts.email.trim() === '' ? null : normalizeEmail(opts.email);
  if (opts.email.trim() !== '' && email === null) return invalidEmail();
  const cred = await findCredentials(db, { id: opts.userId });
  if (!cred) return fail({ code: 'unknown_user' });
  if (!cred.passwordHash || !(await verifyPassword(opts.currentPassword, cred.passwordHash)))
    return fail({ code: 'wrong_password' });
  return storeEmail(db, cred.id, email);
}
