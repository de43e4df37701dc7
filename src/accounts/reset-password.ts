/**
 * Use case: the operator sets a user's web password. Without a password one is generated and handed
 * back once (it is stored only as its scrypt hash).
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { generatePassword, hashPassword } from './secrets.js';
import { findUserByUsername, setPasswordHash } from './users.repo.js';

export const MIN_PASSWORD_LENGTH = 8;

export async function resetPassword(opts: {
  db: Executor;
  username: string;
  /** The new password; omitted: generate one. */
  password?: string | undefined;
}): Promise<
  Result<
    { id: number; username: string; generated: string | null },
    FailureOf<'unknown_user' | 'weak_password'>
  >
> {
  const { db } = opts;
  if (opts.password !== undefined && opts.password.length < MIN_PASSWORD_LENGTH)
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  const u = await findUserByUsername(db, opts.username);
  if (!u) return fail({ code: 'unknown_user' });
  const generated = opts.password === undefined ? generatePassword() : null;
  const hash = await hashPassword(opts.password ?? (generated as string));
  if (!(await setPasswordHash(db, u.id, hash))) return fail({ code: 'unknown_user' });
  return ok({ id: u.id, username: u.username, generated });
}
