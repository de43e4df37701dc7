/** Use case: end every web session of a user (a lost phone, a shared computer); how many ended. */
import type { Executor } from '../db/executor.js';
import { deleteUserSessions } from './sessions.repo.js';

export async function signOutEverywhere(opts: { db: Executor; userId: number }): Promise<{ ended: number }> {
  return { ended: await deleteUserSessions(opts.db, opts.userId) };
}
