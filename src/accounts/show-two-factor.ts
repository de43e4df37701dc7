/** Use case: the signed-in user's two-factor sign-in as the Account page shows it. */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { isStaffTwoFactorRequired } from '../settings/settings.js';
import { isStaff, type Role } from './roles.js';
import { countRecoveryCodesLeft, readTotp } from './two-factor.repo.js';

export async function showTwoFactor(opts: {
  db: Executor;
  userId: number;
  role: Role;
}): Promise<
  Result<
    { enabled: boolean; enabledAt: string | null; recoveryCodesLeft: number; requiredForYou: boolean },
    FailureOf<'unknown_user'>
  >
> {
  const { db, userId } = opts;
  const state = await readTotp(db, userId);
  if (!state) return fail({ code: 'unknown_user' });
  return ok({
    enabled: state.enabledAt !== null,
    enabledAt: state.enabledAt === null ? null : new Date(state.enabledAt).toISOString(),
    recoveryCodesLeft: state.enabledAt === null ? 0 : await countRecoveryCodesLeft(db, userId),
    requiredForYou: isStaff(opts.role) && (await isStaffTwoFactorRequired(db)),
  });
}
