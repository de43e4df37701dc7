/**
 * Use case: the second step of signing in with two-factor on: the challenge token from the password
 * step plus a code from the app (its time step not used before) or an unused recovery code opens a
 * session. A challenge takes 5 tries in 5 minutes and opens one session at most; a wrong, expired or
 * used-up token answers the same failure. `beforeTry` is the face's limit per account (the sign-in
 * limiter): it may throw to refuse the try.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { hashSessionToken, MAX_SESSION_TOKEN_LENGTH } from './session-token.js';
import { type SessionClient, startSession } from './start-session.js';
import { CHALLENGE_MAX_TRIES, spendRecovery, spendTotpCode } from './two-factor.js';
import { countChallengeTry, findChallenge, markChallengeUsed, readTotp } from './two-factor.repo.js';
import { findUserById } from './users.repo.js';

export async function completeTwoFactorSignIn(opts: {
  db: Executor;
  token: string;
  code?: string | undefined;
  recoveryCode?: string | undefined;
  client?: SessionClient | undefined;
  beforeTry?: (username: string) => void;
  now?: number;
}): Promise<
  Result<
    { token: string; userId: number; usedRecoveryCode: boolean },
    FailureOf<'invalid_two_factor_token' | 'wrong_two_factor_code'>
  >
> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  if (opts.token.length > MAX_SESSION_TOKEN_LENGTH) return fail({ code: 'invalid_two_factor_token' });
  const ch = await findChallenge(db, hashSessionToken(opts.token));
  if (!ch || ch.usedAt !== null || ch.expiresAt <= now) return fail({ code: 'invalid_two_factor_token' });
  const user = await findUserById(db, ch.userId);
  if (!user || user.disabled) return fail({ code: 'invalid_two_factor_token' });
  opts.beforeTry?.(user.username);
  if (!(await countChallengeTry(db, ch.id, CHALLENGE_MAX_TRIES, now)))
    return fail({ code: 'invalid_two_factor_token' });
  const state = await readTotp(db, user.id);
  if (!state || state.enabledAt === null) return fail({ code: 'invalid_two_factor_token' });
  return inTransaction(db, async (tx) => {
    const byRecovery = !opts.code && !!opts.recoveryCode;
    const proved = opts.code
      ? await spendTotpCode(tx, user.id, state, opts.code, now)
      : opts.recoveryCode
        ? await spendRecovery(tx, user.id, opts.recoveryCode, now)
        : false;
    if (!proved) return fail({ code: 'wrong_two_factor_code' });
    if (!(await markChallengeUsed(tx, ch.id, now))) return fail({ code: 'invalid_two_factor_token' });
    const token = await startSession({ db: tx, userId: user.id, now, client: opts.client });
    return ok({ token, userId: user.id, usedRecoveryCode: byRecovery });
  });
}
