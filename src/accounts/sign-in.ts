/**
 * Use case: sign in to the web panel with username and password. A missing user, a user without a
 * password, a disabled user and a wrong password all answer the same failure, after the same work
 * (one scrypt), so a caller learns nothing about which it was. Success opens a session and hands
 * back its token (stored only as a hash).
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { hashPassword, verifyPassword } from './secrets.js';
import { generateSessionToken, hashSessionToken } from './session-token.js';
import { findCredentials } from './sessions.repo.js';
import { type SessionClient, startSession } from './start-session.js';
import { CHALLENGE_TTL_MS } from './two-factor.js';
import { deleteOldChallenges, insertChallenge, readTotp } from './two-factor.repo.js';

export type SignedIn =
  | { kind: 'session'; token: string; userId: number; username: string }
  | { kind: 'two_factor'; challenge: string; userId: number; username: string };

// A hash to compare against when there is no user, so that time does not tell "no such user" apart.
let dummyHash: Promise<string> | null = null;

export async function signIn(opts: {
  db: Executor;
  username: string;
  password: string;
  now?: number;
  /** Where the session is opened from (User-Agent, address), kept with it. */
  client?: SessionClient | undefined;
}): Promise<Result<SignedIn, FailureOf<'invalid_credentials'>>> {
  const now = opts.now ?? Date.now();
  const cred = await findCredentials(opts.db, { username: opts.username });
  dummyHash ??= hashPassword('no such user, no such password');
  const valid = await verifyPassword(opts.password, cred?.passwordHash ?? (await dummyHash));
  if (!cred || !cred.passwordHash || cred.disabled || !valid) return fail({ code: 'invalid_credentials' });
  const totp = await readTotp(opts.db, cred.id);
  if (totp?.enabledAt != null) {
    const challenge = generateSessionToken();
    await deleteOldChallenges(opts.db, now - CHALLENGE_TTL_MS);
    await insertChallenge(opts.db, {
      userId: cred.id,
      tokenHash: hashSessionToken(challenge),
      now,
      expiresAt: now + CHALLENGE_TTL_MS,
    });
    return ok({ kind: 'two_factor', challenge, userId: cred.id, username: cred.username });
  }
  const token = await startSession({ db: opts.db, userId: cred.id, now, client: opts.client });
  return ok({ kind: 'session', token, userId: cred.id, username: cred.username });
}
