/** Reads of orders. */
import type { Executor } from '../accounts/users.repo.js';
import type { ServiceType } from '../catalog/service-types.js';
import { toUnits } from '../money.js';
import type { OrderStatus } from './order.state.js';

export interface Order {
  id: number;
  userId: number;
  serviceId: number;
  type: ServiceType;
  link: string | null;
  quantity: bigint;
  runs: number | null;
  intervalMinutes: number | null;
  params: Record<string, unknown> | null;
  rateUnits: bigint;
  chargeUnits: bigint;
  refundedUnits: bigint;
  status: OrderStatus;
  remains: bigint;
  startCount: bigint | null;
  cancelRequestedAt: number | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  dispatchState: DispatchState;
  providerId: number | null;
  providerOrderId: string | null;
  parentOrderId: number | null;
  runIndex: number | null;
  lastError: string | null;
  cancelState: string | null;
  dispatchAttempts: number;
  unchangedChecks: number;
  deliveredPosts: number | null;
}

/** Where an order stands with its provider (see the 0002 migration for each state's meaning). */
export type DispatchState = 'manual' | 'queued' | 'sending' | 'sent' | 'held' | 'review' | 'runs' | 'closed';

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
export function toOrder(row: any): Order {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    serviceId: Number(row.service_id),
    type: row.type,
    link: row.link,
    quantity: toUnits(row.quantity),
    runs: row.runs === null ? null : Number(row.runs),
    intervalMinutes: row.interval_minutes === null ? null : Number(row.interval_minutes),
    params: row.params ? JSON.parse(row.params) : null,
    rateUnits: toUnits(row.rate_units),
    chargeUnits: toUnits(row.charge_units),
    refundedUnits: toUnits(row.refunded_units),
    status: row.status,
    remains: toUnits(row.remains),
    startCount: row.start_count === null ? null : toUnits(row.start_count),
    cancelRequestedAt: row.cancel_requested_at === null ? null : Number(row.cancel_requested_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    dispatchState: row.dispatch_state,
    providerId: row.provider_id === null ? null : Number(row.provider_id),
    providerOrderId: row.provider_order_id,
    parentOrderId: row.parent_order_id === null ? null : Number(row.parent_order_id),
    runIndex: row.run_index === null ? null : Number(row.run_index),
    lastError: row.last_error,
    cancelState: row.cancel_state,
    dispatchAttempts: Number(row.dispatch_attempts ?? 0),
    unchangedChecks: Number(row.unchanged_checks ?? 0),
    deliveredPosts:
      row.delivered_posts === null || row.delivered_posts === undefined ? null : Number(row.delivered_posts),
  };
}

/**
 * One order; when `userId` is given, another user's order is as absent as a missing one, and so are
 * the engine's per-run child orders of a drip-feed (customers see only the order they placed).
 */
export async function findOrder(db: Executor, id: number, userId?: number): Promise<Order | null> {
  let q = db.selectFrom('orders').selectAll().where('id', '=', id);
  if (userId !== undefined) q = q.where('user_id', '=', userId).where('parent_order_id', 'is', null);
  const row = await q.executeTakeFirst();
  return row ? toOrder(row) : null;
}

/** Several of one user's orders by id, in one query. */
export async function findUserOrders(
  db: Executor,
  userId: number,
  ids: number[],
): Promise<Map<number, Order>> {
  const out = new Map<number, Order>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .where('parent_order_id', 'is', null)
    .execute();
  for (const r of rows) {
    const o = toOrder(r);
    out.set(o.id, o);
  }
  return out;
}

export async function listOrders(
  db: Executor,
  filter: {
    userId?: number;
    status?: OrderStatus;
    limit?: number;
    dispatchState?: DispatchState;
    runsOf?: number;
  },
): Promise<(Order & { username: string })[]> {
  let q = db
    .selectFrom('orders')
    .innerJoin('users', 'users.id', 'orders.user_id')
    .selectAll('orders')
    .select('users.username');
  // Drip-feed runs placed by the engine are listed under their order (runsOf), not among orders.
  q =
    filter.runsOf === undefined
      ? q.where('orders.parent_order_id', 'is', null)
      : q.where('orders.parent_order_id', '=', filter.runsOf);
  if (filter.dispatchState !== undefined) q = q.where('orders.dispatch_state', '=', filter.dispatchState);
  if (filter.userId !== undefined) q = q.where('orders.user_id', '=', filter.userId);
  if (filter.status !== undefined) q = q.where('orders.status', '=', filter.status);
  const rows = await q
    .orderBy('orders.id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map((r) => ({ ...toOrder(r), username: r.username }));
}
