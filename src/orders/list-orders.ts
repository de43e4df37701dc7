/**
 * Use case: the operator's list of orders, newest first, as a view every face shows as it is (names
 * beside ids, amounts formatted exactly). Filters: user (by name or id), provider, service, status,
 * dispatch state, dates, a search text (an order id, or a part of the link); pages by keyset
 * (`beforeId`: only orders with a smaller id). Staff (the admin area) need orders.read; the CLI, run
 * by whoever holds the database, passes no actor.
 */
import { can } from '../accounts/roles.js';
import { findUserById, findUserByUsername } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import { findService } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { findProvider } from '../providers/providers.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { API_STATUS, isTerminal, type OrderStatus } from './order.state.js';
import { type DispatchState, findOrdersForOperator, type NamedOrder } from './orders.repo.js';

/** The JSON keys are those `smm-panel orders list --json` always had; names were added beside ids. */
export interface OrderView {
  id: number;
  username: string;
  user_id: number;
  service: number;
  service_name: string | null;
  type: string;
  link: string | null;
  quantity: string;
  runs: number | null;
  interval: number | null;
  charge: string;
  refunded: string;
  status: string;
  remains: string;
  start_count: string | null;
  /** Only while the order is active: an ended order's request is history. */
  cancel_requested: boolean;
  dispatch: DispatchState;
  provider: number | null;
  provider_name: string | null;
  upstream_order: string | null;
  error: string | null;
  created_at: string;
}

export function orderView(x: NamedOrder): OrderView {
  return {
    id: x.id,
    username: x.username,
    user_id: x.userId,
    service: x.serviceId,
    service_name: x.serviceName,
    type: x.type,
    link: x.link,
    quantity: x.quantity.toString(),
    runs: x.runs,
    interval: x.intervalMinutes,
    charge: formatAmount(x.chargeUnits),
    refunded: formatAmount(x.refundedUnits),
    status: API_STATUS[x.status],
    remains: x.remains.toString(),
    start_count: x.startCount?.toString() ?? null,
    cancel_requested: x.cancelRequestedAt !== null && !isTerminal(x.status),
    dispatch: x.dispatchState,
    provider: x.providerId,
    provider_name: x.providerName,
    upstream_order: x.providerOrderId,
    error: x.lastError,
    created_at: new Date(x.createdAt).toISOString(),
  };
}

/** A search text: all digits (optionally after #) is an order id, anything else a part of the link. */
export function orderSearchOf(q: string | undefined): { id?: number; linkContains?: string } {
  const text = q?.trim() ?? '';
  if (text === '') return {};
  if (/^#?\d{1,15}$/.test(text)) return { id: Number(text.replace('#', '')) };
  return { linkContains: text };
}

export async function listOrders(opts: {
  db: Executor;
  /** Staff acting (needs orders.read); none for the CLI. */
  actor?: Actor | undefined;
  username?: string | undefined;
  userId?: number | undefined;
  providerId?: number | undefined;
  serviceId?: number | undefined;
  status?: OrderStatus | undefined;
  dispatchState?: DispatchState | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  /** An order id (`42`, `#42`) or a part of the link, any case. */
  q?: string | undefined;
  /** Keyset: only orders with a smaller id (the previous page's last). */
  beforeId?: number | undefined;
  limit?: number | undefined;
}): Promise<
  Result<OrderView[], FailureOf<'unknown_user' | 'unknown_provider' | 'unknown_service' | 'forbidden'>>
> {
  const { db } = opts;
  if (opts.actor && !can(opts.actor.role, 'orders.read')) return fail({ code: 'forbidden' });
  let userId: number | undefined;
  if (opts.username !== undefined) {
    const u = await findUserByUsername(db, opts.username);
    if (!u) return fail({ code: 'unknown_user' });
    userId = u.id;
  }
  if (opts.userId !== undefined) {
    if (!(await findUserById(db, opts.userId))) return fail({ code: 'unknown_user' });
    userId = opts.userId;
  }
  if (opts.providerId !== undefined && !(await findProvider(db, opts.providerId)))
    return fail({ code: 'unknown_provider' });
  if (opts.serviceId !== undefined && !(await findService(db, opts.serviceId, null)))
    return fail({ code: 'unknown_service' });
  const rows = await findOrdersForOperator(db, {
    userId,
    providerId: opts.providerId,
    serviceId: opts.serviceId,
    status: opts.status,
    dispatchState: opts.dispatchState,
    since: opts.since,
    until: opts.until,
    beforeId: opts.beforeId,
    ...orderSearchOf(opts.q),
    limit: opts.limit ?? 50,
  });
  return ok(rows.map(orderView));
}
