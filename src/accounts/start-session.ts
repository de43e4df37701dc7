/** Opening a web session for a user who proved who they are (sign-in, sign-up); not a face's entry. */
import type { Executor } from '../db/executor.js';
import { generateSessionToken, hashSessionToken, SESSION_IDLE_MS } from './session-token.js';
import { insertSession } from './sessions.repo.js';

export async function startSession(opts: { db: Executor; userId: number; now: number }): Promise<string> {
  const token = generateSessionToken();
  await insertSession(opts.db, {
    tokenHash: hashSessionToken(token),
    userId: opts.userId,
    now: opts.now,
    expiresAt: opts.now + SESSION_IDLE_MS,
  });
  return token;
}
