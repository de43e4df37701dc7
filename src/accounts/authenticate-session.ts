/**
 * Use case: who is calling with this web session token. A missing, unknown, expired or revoked
 * session, and a disabled user's, answer the same failure. Each use extends the session's idle
 * expiry (written at most once a minute, so a page's burst of requests costs one write).
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { hashSessionToken, MAX_SESSION_TOKEN_LENGTH, SESSION_IDLE_MS } from './session-token.js';
import { deleteSession, findSessionWithUser, touchSession } from './sessions.repo.js';
import type { User } from './users.repo.js';

export async function authenticateSession(opts: {
  db: Executor;
  token: string | undefined;
  now?: number;
  /** The caller's address, refreshed on the session with its expiry. */
  ip?: string | undefined;
}): Promise<Result<{ user: User; sessionId: number }, FailureOf<'no_session'>>> {
  const { db, token } = opts;
  const now = opts.now ?? Date.now();
  if (!token || token.length > MAX_SESSION_TOKEN_LENGTH) return fail({ code: 'no_session' });
  const found = await findSessionWithUser(db, hashSessionToken(token));
  if (!found) return fail({ code: 'no_session' });
  const { session, user } = found;
  if (session.expiresAt <= now || user.disabled) {
    await deleteSession(db, session.id);
    return fail({ code: 'no_session' });
  }
  if (now - session.lastSeenAt > 60_000)
    await touchSession(db, session.id, now, now + SESSION_IDLE_MS, opts.ip?.slice(0, 64));
  const { passwordHash: _omit, ...plain } = user;
  return ok({ user: plain, sessionId: session.id });
}
