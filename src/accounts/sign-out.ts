/** Use case: end one web session (the browser's own); the token stops working at once. */
import type { Executor } from '../db/executor.js';
import { deleteSession } from './sessions.repo.js';

export async function signOut(opts: { db: Executor; sessionId: number }): Promise<void> {
  await deleteSession(opts.db, opts.sessionId);
}
