/**
 * Use case: a signed-in user proves the pending secret with a code from their app; two-factor sign-in
 * is then on, ten recovery codes are made (shown once, stored hashed) and every other session of the
 * user ends (this one stays). The code's time step counts as used.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteUserSessions } from './sessions.repo.js';
import { codeStep, hashRecoveryCode, newRecoveryCodes } from './two-factor.js';
import { enableTotp, readTotp, replaceRecoveryCodes } from './two-factor.repo.js';

export async function enableTwoFactor(opts: {
  db: Executor;
  userId: number;
  sessionId: number;
  code: string;
  now?: number;
}): Promise<
  Result<
    { recoveryCodes: string[]; endedSessions: number },
    FailureOf<'two_factor_on' | 'two_factor_not_started' | 'wrong_two_factor_code' | 'unknown_user'>
  >
> {
  const { db, userId } = opts;
  const now = opts.now ?? Date.now();
  const state = await readTotp(db, userId);
  if (!state) return fail({ code: 'unknown_user' });
  if (state.enabledAt !== null) return fail({ code: 'two_factor_on' });
  if (!state.secret) return fail({ code: 'two_factor_not_started' });
  const step = await codeStep({ secret: state.secret, code: opts.code, now, afterStep: null });
  if (step === null) return fail({ code: 'wrong_two_factor_code' });
  const codes = newRecoveryCodes();
  const secret = state.secret;
  return inTransaction(db, async (tx) => {
    if (!(await enableTotp(tx, { userId, secret, now, step }))) return fail({ code: 'two_factor_on' });
    await replaceRecoveryCodes(tx, userId, codes.map(hashRecoveryCode), now);
    const ended = await deleteUserSessions(tx, userId, opts.sessionId);
    return ok({ recoveryCodes: codes, endedSessions: ended });
  });
}
