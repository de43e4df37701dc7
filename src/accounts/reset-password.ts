/**
 * Use case: the operator sets a user's web password (the way to reset one without SMTP). Without a
 * password one is generated and handed back once (it is stored only as its scrypt hash). Every web
 * session of the user ends and any reset link stops working, in the same transaction: whoever knew
 * the old password is signed out.
 */
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { expireLiveResets } from './password-resets.repo.js';
import { can } from './roles.js';
import { generatePassword, hashPassword } from './secrets.js';
import { deleteUserSessions } from './sessions.repo.js';
import { findUserByUsername, setPasswordHash } from './users.repo.js';

export const MIN_PASSWORD_LENGTH = 8;

export async function resetPassword(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  /** The new password; omitted: generate one. */
  password?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { id: number; username: string; generated: string | null; endedSessions: number },
    FailureOf<'unknown_user' | 'weak_password' | 'forbidden'>
  >
> {
  const { db, actor } = opts;
  if (!can(actor.role, 'users.write')) return fail({ code: 'forbidden' });
  if (opts.password !== undefined && opts.password.length < MIN_PASSWORD_LENGTH)
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  const u = await findUserByUsername(db, opts.username);
  if (!u) return fail({ code: 'unknown_user' });
  const generated = opts.password === undefined ? generatePassword() : null;
  const hash = await hashPassword(opts.password ?? (generated as string));
  const now = opts.now ?? Date.now();
  const ended = await inTransaction(db, async (tx) => {
    if (!(await setPasswordHash(tx, u.id, hash))) return null;
    await expireLiveResets(tx, u.id, now);
    const endedSessions = await deleteUserSessions(tx, u.id);
    // Never the password or its hash: only that it changed.
    await recordAudit(tx, {
      actor,
      action: 'user.password_reset',
      subject: { type: 'user', id: u.id },
      after: { generated: generated !== null, endedSessions },
      now,
    });
    return endedSessions;
  });
  if (ended === null) return fail({ code: 'unknown_user' });
  return ok({ id: u.id, username: u.username, generated, endedSessions: ended });
}
