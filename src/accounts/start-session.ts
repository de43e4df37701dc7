/** Opening a web session for a user who proved who they are (sign-in, sign-up); not a face's entry. */
import type { Executor } from '../db/executor.js';
import { generateSessionToken, hashSessionToken, SESSION_IDLE_MS } from './session-token.js';
import { insertSession } from './sessions.repo.js';
import { storedUserAgent } from './user-agent.js';

/** Where a session was opened from: shown on the Account page so a customer can tell theirs apart. */
export interface SessionClient {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

export async function startSession(opts: {
  db: Executor;
  userId: number;
  now: number;
  client?: SessionClient | undefined;
}): Promise<string> {
  const token = generateSessionToken();
  await insertSession(opts.db, {
    tokenHash: hashSessionToken(token),
    userId: opts.userId,
    now: opts.now,
    expiresAt: opts.now + SESSION_IDLE_MS,
    userAgent: storedUserAgent(opts.client?.userAgent),
    ip: opts.client?.ip?.slice(0, 64) ?? null,
  });
  return token;
}
