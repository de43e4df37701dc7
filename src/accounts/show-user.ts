/** Use case: one user as the operator sees them (balance in the panel currency, state, orders). */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency } from '../settings/settings.js';
import { type UserView, userState } from './list-users.js';
import { findUserByUsername, userFacts } from './users.repo.js';

export interface UserDetailView extends UserView {
  currency: string;
  /** Orders the user placed (drip-feed runs not counted). */
  orders: number;
  /** Where password reset links go; null when none. */
  email: string | null;
}

export async function showUser(opts: {
  db: Executor;
  username: string;
}): Promise<Result<UserDetailView, FailureOf<'unknown_user'>>> {
  const u = await findUserByUsername(opts.db, opts.username);
  if (!u) return fail({ code: 'unknown_user' });
  const facts = await userFacts(opts.db, u.id);
  return ok({
    id: u.id,
    username: u.username,
    balance: formatAmount(u.balanceUnits),
    state: userState(u.disabled),
    role: u.role,
    admin: u.isAdmin,
    createdAt: new Date(facts.createdAt).toISOString(),
    currency: await getCurrency(opts.db),
    orders: facts.orders,
    email: u.email,
  });
}
