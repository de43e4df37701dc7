/**
 * Use case: who an operator face acts as. The CLI acts as the first admin account (the one made at
 * first start) unless `--as <username>` names another staff member; a customer or a disabled account
 * is refused, so the CLI cannot be used to act without a staff role. A database with no admin yet
 * (before the first start) answers no_admin.
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { isStaff } from './roles.js';
import { findFirstAdmin, findUserByUsername } from './users.repo.js';

export async function resolveStaffActor(opts: {
  db: Executor;
  kind: Actor['kind'];
  /** The staff member's username; the first admin when absent. */
  username?: string | undefined;
}): Promise<Result<Actor & { username: string }, FailureOf<'unknown_user' | 'not_staff' | 'no_admin'>>> {
  const user =
    opts.username === undefined
      ? await findFirstAdmin(opts.db)
      : await findUserByUsername(opts.db, opts.username);
  if (!user) return fail({ code: opts.username === undefined ? 'no_admin' : 'unknown_user' });
  if (!isStaff(user.role) || user.disabled) return fail({ code: 'not_staff', username: user.username });
  return ok({ id: user.id, kind: opts.kind, role: user.role, username: user.username });
}
