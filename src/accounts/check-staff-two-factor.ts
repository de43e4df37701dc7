/**
 * Use case: may this staff member use the admin area now? When the admin requires two-factor sign-in
 * for staff (`staff-two-factor required`), only those who turned it on may; the others are told to
 * set it up (they can still sign in and reach their Account page).
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { isStaffTwoFactorRequired } from '../settings/settings.js';
import type { User } from './users.repo.js';

export async function checkStaffTwoFactor(opts: {
  db: Executor;
  user: User;
}): Promise<Result<true, FailureOf<'two_factor_required'>>> {
  if (opts.user.twoFactor) return ok(true);
  if (await isStaffTwoFactorRequired(opts.db)) return fail({ code: 'two_factor_required' });
  return ok(true);
}
