/** Use case: the signed-in user's account as the web panel shows it (name, balance, currency). */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { getCurrency } from '../settings/settings.js';
import type { User } from './users.repo.js';

export async function getAccount(opts: { db: Executor; user: User }): Promise<{
  id: number;
  username: string;
  email: string | null;
  admin: boolean;
  balance: string;
  currency: string;
}> {
  return {
    id: opts.user.id,
    username: opts.user.username,
    email: opts.user.email,
    admin: opts.user.isAdmin,
    balance: formatAmount(opts.user.balanceUnits),
    currency: await getCurrency(opts.db),
  };
}
