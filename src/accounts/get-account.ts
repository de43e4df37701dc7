/**
 * Use case: the signed-in user's account as the web panel shows it (name, balance, currency, whether
 * two-factor sign-in is on, and whether a staff member must turn it on before the admin area works).
 */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { getCurrency, isStaffTwoFactorRequired } from '../settings/settings.js';
import { isStaff, type Role } from './roles.js';
import type { User } from './users.repo.js';

export async function getAccount(opts: { db: Executor; user: User }): Promise<{
  id: number;
  username: string;
  email: string | null;
  admin: boolean;
  role: Role;
  balance: string;
  currency: string;
  twoFactor: boolean;
  twoFactorSetupNeeded: boolean;
}> {
  return {
    id: opts.user.id,
    username: opts.user.username,
    email: opts.user.email,
    admin: opts.user.isAdmin,
    role: opts.user.role,
    balance: formatAmount(opts.user.balanceUnits),
    currency: await getCurrency(opts.db),
    twoFactor: opts.user.twoFactor,
    twoFactorSetupNeeded:
      isStaff(opts.user.role) && !opts.user.twoFactor && (await isStaffTwoFactorRequired(opts.db)),
  };
}
