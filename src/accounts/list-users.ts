/** Use case: the operator's list of users, as a view every face shows as it is. */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import type { Role } from './roles.js';
import { searchUsers } from './users.repo.js';

export type UserState = 'active' | 'disabled';

export interface UserView {
  id: number;
  username: string;
  /** Exact, in the panel currency. */
  balance: string;
  state: UserState;
  /** customer, support or admin. */
  role: Role;
  /** role is admin (kept for scripts written before staff roles). */
  admin: boolean;
  createdAt: string;
}

export function userState(disabled: boolean): UserState {
  return disabled ? 'disabled' : 'active';
}

/** `search`: part of the username, any case; `sort`: by name (default) or by balance, largest first. */
export async function listUsers(opts: {
  db: Executor;
  search?: string | undefined;
  state?: UserState | undefined;
  sort?: 'balance' | 'name' | undefined;
  limit?: number | undefined;
}): Promise<UserView[]> {
  const rows = await searchUsers(opts.db, {
    ...(opts.search ? { search: opts.search } : {}),
    ...(opts.state ? { disabled: opts.state === 'disabled' } : {}),
    sort: opts.sort ?? 'name',
    limit: opts.limit ?? 100,
  });
  return rows.map((u) => ({
    id: u.id,
    username: u.username,
    balance: formatAmount(u.balanceUnits),
    state: userState(u.disabled),
    role: u.role,
    admin: u.isAdmin,
    createdAt: new Date(u.createdAt).toISOString(),
  }));
}
