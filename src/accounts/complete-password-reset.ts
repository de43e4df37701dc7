/**
 * Use case: set a new password with a reset link's token. The token works once, for an hour, and
 * only for an active user; a used, expired, unknown or malformed token is one failure
 * (`invalid_reset_token`). The password, the token's use and the end of every session of the user
 * (whoever knew the old password is signed out) are one transaction; the token is taken by
 * compare-and-set, so two uses at once cannot both succeed.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { expireLiveResets, findResetByHash, markResetUsed } from './password-resets.repo.js';
import { MIN_PASSWORD_LENGTH } from './reset-password.js';
import { hashPassword } from './secrets.js';
import { hashSessionToken, MAX_SESSION_TOKEN_LENGTH } from './session-token.js';
import { deleteUserSessions } from './sessions.repo.js';
import { findUserById, setPasswordHash } from './users.repo.js';

type Failures = FailureOf<'invalid_reset_token' | 'weak_password'>;

export async function completePasswordReset(opts: {
  db: Executor;
  token: string;
  newPassword: string;
  now?: number;
}): Promise<Result<{ userId: number; username: string; endedSessions: number }, Failures>> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  if (opts.token.length === 0 || opts.token.length > MAX_SESSION_TOKEN_LENGTH)
    return fail({ code: 'invalid_reset_token' });
  const reset = await findResetByHash(db, hashSessionToken(opts.token));
  if (!reset || reset.usedAt !== null || reset.expiresAt <= now) return fail({ code: 'invalid_reset_token' });
  const user = await findUserById(db, reset.userId);
  if (!user || user.disabled) return fail({ code: 'invalid_reset_token' });
  if (opts.newPassword.length < MIN_PASSWORD_LENGTH)
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  const hash = await hashPassword(opts.newPassword);
  const ended = await inTransaction(db, async (tx) => {
    if (!(await markResetUsed(tx, reset.id, now))) return null;
    await setPasswordHash(tx, user.id, hash);
    await expireLiveResets(tx, user.id, now);
    return deleteUserSessions(tx, user.id);
  });
  if (ended === null) return fail({ code: 'invalid_reset_token' });
  return ok({ userId: user.id, username: user.username, endedSessions: ended });
}
