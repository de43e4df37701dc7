/**
 * Use case: a signed-in user changes their password, proving the current one. Every other session
 * of theirs ends (whoever knew the old password is signed out); the current one stays.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { MIN_PASSWORD_LENGTH } from './reset-password.js';
import { hashPassword, verifyPassword } from './secrets.js';
import { deleteUserSessions, findCredentials } from './sessions.repo.js';
import { setPasswordHash } from './users.repo.js';

export async function changePassword(opts: {
  db: Executor;
  userId: number;
  sessionId: number;
  currentPassword: string;
  newPassword: string;
}): Promise<
  Result<{ endedSessions: number }, FailureOf<'wrong_password' | 'weak_password' | 'unknown_user'>>
> {
  const { db } = opts;
  const cred = await findCredentials(db, { id: opts.userId });
  if (!cred) return fail({ code: 'unknown_user' });
  if (!cred.passwordHash || !(await verifyPassword(opts.currentPassword, cred.passwordHash)))
    return fail({ code: 'wrong_password' });
  if (opts.newPassword.length < MIN_PASSWORD_LENGTH)
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  const hash = await hashPassword(opts.newPassword);
  const ended = await db.transaction().execute(async (tx) => {
    await setPasswordHash(tx, cred.id, hash);
    return deleteUserSessions(tx, cred.id, opts.sessionId);
  });
  return ok({ endedSessions: ended });
}
