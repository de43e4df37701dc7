/**
 * Use case: a signed-in user with two-factor sign-in on gets ten new recovery codes (shown once),
 * proving a code from the app; the old ones stop working.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { hashRecoveryCode, newRecoveryCodes, spendTotpCode } from './two-factor.js';
import { readTotp, replaceRecoveryCodes } from './two-factor.repo.js';

export async function regenerateRecoveryCodes(opts: {
  db: Executor;
  userId: number;
  code: string;
  now?: number;
}): Promise<
  Result<{ recoveryCodes: string[] }, FailureOf<'two_factor_off' | 'wrong_two_factor_code' | 'unknown_user'>>
> {
  const { db, userId } = opts;
  const now = opts.now ?? Date.now();
  const state = await readTotp(db, userId);
  if (!state) return fail({ code: 'unknown_user' });
  if (state.enabledAt === null) return fail({ code: 'two_factor_off' });
  const codes = newRecoveryCodes();
  return inTransaction(db, async (tx) => {
    if (!(await spendTotpCode(tx, userId, state, opts.code, now)))
      return fail({ code: 'wrong_two_factor_code' });
    await replaceRecoveryCodes(tx, userId, codes.map(hashRecoveryCode), now);
    return ok({ recoveryCodes: codes });
  });
}
