/**
 * Use case: the username of a user id. The admin area addresses users by id; the operator use cases
 * it shares with the CLI take the username.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findUserById } from './users.repo.js';

export async function nameOfUser(opts: {
  db: Executor;
  userId: number;
}): Promise<Result<string, FailureOf<'unknown_user'>>> {
  const u = await findUserById(opts.db, opts.userId);
  return u ? ok(u.username) : fail({ code: 'unknown_user' });
}
