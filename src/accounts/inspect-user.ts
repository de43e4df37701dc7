/**
 * Use case: one user as staff see them in the admin area: the account (balance, role, state, e-mail),
 * how many orders and live web sessions they have, their latest orders and funds entries. Needs
 * users.read (support and admin).
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { findEntries } from '../ledger/ledger.repo.js';
import { type LedgerEntryView, ledgerEntryView } from '../ledger/list-funds-history.js';
import { formatAmount } from '../money.js';
import type { OrderStatus } from '../orders/order.state.js';
import { findOrdersForOperator } from '../orders/orders.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency } from '../settings/settings.js';
import { type StaffUserView, staffUserView } from './browse-users.js';
import { can } from './roles.js';
import { countUserSessions } from './sessions.repo.js';
import { findUserById, userFacts } from './users.repo.js';

export interface RecentOrderView {
  id: number;
  /** The service's name; its id when it has none. */
  service: string;
  quantity: string;
  charge: string;
  status: OrderStatus;
  createdAt: string;
}

export interface UserInspection {
  user: StaffUserView;
  currency: string;
  /** Orders placed (drip-feed runs not counted). */
  orders: number;
  /** Web sessions not yet ended (some may have expired unused). */
  sessions: number;
  recentOrders: RecentOrderView[];
  recentFunds: LedgerEntryView[];
}

export async function inspectUser(opts: {
  db: Executor;
  actor: Actor;
  userId: number;
  /** How many orders and funds entries to show (each). */
  recent?: number | undefined;
}): Promise<Result<UserInspection, FailureOf<'forbidden' | 'unknown_user'>>> {
  const { db } = opts;
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const u = await findUserById(db, opts.userId);
  if (!u) return fail({ code: 'unknown_user' });
  const limit = opts.recent ?? 10;
  const facts = await userFacts(db, u.id);
  const [sessions, orders, entries, currency] = [
    await countUserSessions(db, u.id),
    await findOrdersForOperator(db, { userId: u.id, limit }),
    await findEntries(db, { userId: u.id, limit }),
    await getCurrency(db),
  ];
  return ok({
    user: staffUserView({ ...u, createdAt: facts.createdAt }),
    currency,
    orders: facts.orders,
    sessions,
    recentOrders: orders.map((o) => ({
      id: o.id,
      service: o.serviceName ?? String(o.serviceId),
      quantity: o.quantity.toString(),
      charge: formatAmount(o.chargeUnits),
      status: o.status,
      createdAt: new Date(o.createdAt).toISOString(),
    })),
    recentFunds: entries.map(ledgerEntryView),
  });
}
