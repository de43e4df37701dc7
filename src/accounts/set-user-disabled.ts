/**
 * Use case: the operator disables a user (or enables them again). A disabled user's API key is
 * refused at once (the API reads the flag on every request), and their web sessions are deleted.
 * Their balance and orders stay as they are.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteUserSessions } from './sessions.repo.js';
import { findUserByUsername, setUserDisabledFlag } from './users.repo.js';

export async function setUserDisabled(opts: {
  db: Executor;
  username: string;
  disabled: boolean;
}): Promise<
  Result<{ id: number; username: string; disabled: boolean; changed: boolean }, FailureOf<'unknown_user'>>
> {
  const { db, disabled } = opts;
  return db.transaction().execute(async (tx) => {
    const u = await findUserByUsername(tx, opts.username);
    if (!u) return fail({ code: 'unknown_user' });
    if (u.disabled !== disabled) await setUserDisabledFlag(tx, u.id, disabled);
    if (disabled) await deleteUserSessions(tx, u.id);
    return ok({ id: u.id, username: u.username, disabled, changed: u.disabled !== disabled });
  });
}
