/** Use case: a user's balance with the panel currency (API v2 `balance`, the CLI's `users show`). */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { getCurrency } from '../settings/settings.js';
import type { User } from './users.repo.js';

export async function getBalance(opts: {
  db: Executor;
  user: Pick<User, 'balanceUnits'>;
}): Promise<{ balance: string; currency: string }> {
  return { balance: formatAmount(opts.user.balanceUnits), currency: await getCurrency(opts.db) };
}
