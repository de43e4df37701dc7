/**
 * Use case: staff look users up (the admin area's list): by part of the username or e-mail, newest
 * first, with balance, role and state. Needs users.read (support and admin).
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type UserState, userState } from './list-users.js';
import { can, type Role } from './roles.js';
import { findUsersForStaff, type User } from './users.repo.js';

export interface StaffUserView {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  /** Exact, in the panel currency. */
  balance: string;
  state: UserState;
  createdAt: string;
  /** Two-factor sign-in is on. */
  twoFactor: boolean;
}

export function staffUserView(u: User & { createdAt: number }): StaffUserView {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    role: u.role,
    balance: formatAmount(u.balanceUnits),
    state: userState(u.disabled),
    createdAt: new Date(u.createdAt).toISOString(),
    twoFactor: u.twoFactor,
  };
}

export async function browseUsers(opts: {
  db: Executor;
  actor: Actor;
  q?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}): Promise<Result<{ users: StaffUserView[]; nextBeforeId: number | null }, FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const rows = await findUsersForStaff(opts.db, {
    q: opts.q?.trim() || undefined,
    beforeId: opts.beforeId,
    limit: opts.limit,
  });
  const last = rows.at(-1);
  return ok({
    users: rows.map(staffUserView),
    nextBeforeId: rows.length === opts.limit && last ? last.id : null,
  });
}
