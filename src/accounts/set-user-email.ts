/** Use case: the operator sets or clears (null) a user's e-mail (`users email`). */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, type Result } from '../result.js';
import { invalidEmail, normalizeEmail, storeEmail } from './email.js';
import { findUserByUsername } from './users.repo.js';

export async function setUserEmailAddress(opts: {
  db: Executor;
  username: string;
  email: string | null;
}): Promise<
  Result<
    { username: string; email: string | null },
    FailureOf<'invalid_email' | 'email_taken' | 'unknown_user'>
  >
> {
  const email = opts.email === null ? null : normalizeEmail(opts.email);
  if (opts.email !== null && email === null) return invalidEmail();
  const u = await findUserByUsername(opts.db, opts.username);
  if (!u) return fail({ code: 'unknown_user' });
  const r = await storeEmail(opts.db, u.id, email);
  return r.ok ? { ok: true, value: { username: u.username, email: r.value.email } } : r;
}
