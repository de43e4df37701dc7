/**
 * Use case: a signed-in user turns two-factor sign-in off, proving both factors again: the password
 * and a code from the app (or an unused recovery code). The secret and recovery codes are deleted;
 * every other session of the user ends.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { verifyPassword } from './secrets.js';
import { deleteUserSessions, findCredentials } from './sessions.repo.js';
import { spendRecovery, spendTotpCode } from './two-factor.js';
import { clearTotp, readTotp } from './two-factor.repo.js';

export async function disableTwoFactor(opts: {
  db: Executor;
  userId: number;
  sessionId: number;
  password: string;
  code?: string | undefined;
  recoveryCode?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { endedSessions: number },
    FailureOf<'two_factor_off' | 'wrong_password' | 'wrong_two_factor_code' | 'unknown_user'>
  >
> {
  const { db, userId } = opts;
  const now = opts.now ?? Date.now();
  const cred = await findCredentials(db, { id: userId });
  const state = await readTotp(db, userId);
  if (!cred || !state) return fail({ code: 'unknown_user' });
  if (state.enabledAt === null) return fail({ code: 'two_factor_off' });
  if (!cred.passwordHash || !(await verifyPassword(opts.password, cred.passwordHash)))
    return fail({ code: 'wrong_password' });
  return inTransaction(db, async (tx) => {
    const proved = opts.code
      ? await spendTotpCode(tx, userId, state, opts.code, now)
      : opts.recoveryCode
        ? await spendRecovery(tx, userId, opts.recoveryCode, now)
        : false;
    if (!proved) return fail({ code: 'wrong_two_factor_code' });
    await clearTotp(tx, userId);
    return ok({ endedSessions: await deleteUserSessions(tx, userId, opts.sessionId) });
  });
}
