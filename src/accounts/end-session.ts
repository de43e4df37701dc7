/**
 * Use case: a signed-in user ends one of their own sessions (a lost phone, a shared computer).
 * Another user's session id answers unknown_session, like a missing one, and ends nothing. Ending
 * the current session is signing out; the face clears the cookie when `signedOut` says so.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteUserSession } from './sessions.repo.js';

export async function endSession(opts: {
  db: Executor;
  userId: number;
  currentSessionId: number;
  sessionId: number;
}): Promise<Result<{ signedOut: boolean }, FailureOf<'unknown_session'>>> {
  const deleted = await deleteUserSession(opts.db, opts.userId, opts.sessionId);
  if (!deleted) return fail({ code: 'unknown_session' });
  return ok({ signedOut: opts.sessionId === opts.currentSessionId });
}
