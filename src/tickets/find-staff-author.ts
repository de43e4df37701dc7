/**
 * Use case: the account the operator's tools write as (until the admin area has its own sessions):
 * the user named, or else the first admin account (`admin`, created at first start).
 */
import { findFirstAdmin, findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';

export async function findStaffAuthor(opts: {
  db: Executor;
  username?: string | undefined;
}): Promise<Result<{ userId: number; username: string }, FailureOf<'unknown_user'>>> {
  const user =
    opts.username !== undefined
      ? await findUserByUsername(opts.db, opts.username)
      : await findFirstAdmin(opts.db);
  return user ? ok({ userId: user.id, username: user.username }) : fail({ code: 'unknown_user' });
}
