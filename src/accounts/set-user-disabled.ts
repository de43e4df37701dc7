/**
 * Use case: the operator disables a user (or enables them again). A disabled user's API key is
 * refused at once (the API reads the flag on every request), and their web sessions are deleted.
 * Their balance and orders stay as they are. The last active admin cannot be disabled (last_admin).
 */
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { can } from './roles.js';
import { deleteUserSessions } from './sessions.repo.js';
import { countActiveAdmins, findUserByUsername, setUserDisabledFlag } from './users.repo.js';

export async function setUserDisabled(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  disabled: boolean;
  now?: number;
}): Promise<
  Result<
    { id: number; username: string; disabled: boolean; changed: boolean },
    FailureOf<'unknown_user' | 'forbidden' | 'last_admin'>
  >
> {
  const { db, disabled, actor } = opts;
  if (!can(actor.role, 'users.write')) return fail({ code: 'forbidden' });
  return db.transaction().execute(async (tx) => {
    const u = await findUserByUsername(tx, opts.username);
    if (!u) return fail({ code: 'unknown_user' });
    // The last active admin stays: without one nobody could act (the CLI acts as an admin too).
    if (disabled && u.role === 'admin' && !u.disabled && (await countActiveAdmins(tx)) <= 1)
      return fail({ code: 'last_admin' });
    if (u.disabled !== disabled) {
      await setUserDisabledFlag(tx, u.id, disabled);
      await recordAudit(tx, {
        actor,
        action: disabled ? 'user.disable' : 'user.enable',
        subject: { type: 'user', id: u.id },
        before: { disabled: u.disabled },
        after: { disabled },
        now: opts.now,
      });
    }
    if (disabled) await deleteUserSessions(tx, u.id);
    return ok({ id: u.id, username: u.username, disabled, changed: u.disabled !== disabled });
  });
}
