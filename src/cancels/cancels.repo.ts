/**
 * The SQL of cancels: every change of an order's cancel (cancel.state.ts), each a compare-and-set on
 * the state it leaves. Callers pass the database or their transaction.
 */
import type { Executor } from '../db/executor.js';
import { assertDispatchTransition } from '../orders/dispatch.state.js';
import { ACTIVE_STATUSES, type OrderStatus } from '../orders/order.state.js';
import { ACTIVE_STATUS_LITERALS, type Order, toOrder } from '../orders/orders.repo.js';
import { assertCancelTransition } from './cancel.state.js';

/** none -> requested, for an order still active. Whether it moved. */
export async function requestCancelRow(db: Executor, p: { orderId: number; now: number }): Promise<boolean> {
  assertCancelTransition('none', 'requested');
  const res = await db
    .updateTable('orders')
    .set({ cancel_requested_at: p.now })
    .where('id', '=', p.orderId)
    .where('cancel_requested_at', 'is', null)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** none -> requested for the active runs of a drip-feed parent (the parent's cancel reaches them). */
export async function requestCancelOfRuns(db: Executor, p: { parentId: number; now: number }): Promise<void> {
  assertCancelTransition('none', 'requested');
  await db
    .updateTable('orders')
    .set({ cancel_requested_at: p.now })
    .where('parent_order_id', '=', p.parentId)
    .where('cancel_requested_at', 'is', null)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .execute();
}

/**
 * Requested cancels the engine can carry out now: active orders that are queued, held, split into runs
 * (carried out here) or sent (forwarded, when not waiting to be asked again).
 */
export async function findRequestedCancels(
  db: Executor,
  p: { now: number; limit: number },
): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('cancel_requested_at', 'is not', null)
    .where('cancel_state', 'is', null)
    // Literals, so that the plan is orders_open_cancel_active_idx (migration 0017).
    .where('status', 'in', ACTIVE_STATUS_LITERALS)
    .where('dispatch_state', 'in', ['queued', 'held', 'runs', 'sent'])
    .where((eb) =>
      eb.or([
        eb('next_attempt_at', 'is', null),
        eb('next_attempt_at', '<=', p.now),
        eb('dispatch_state', '!=', 'sent'),
      ]),
    )
    .orderBy('id')
    .limit(p.limit)
    .execute();
  return rows.map(toOrder);
}

/**
 * An order that never left is canceled here: dispatch queued|held -> closed and cancel requested ->
 * done, in one statement. False when a worker claimed it meanwhile (it will be forwarded instead).
 */
export async function closeUnsentForCancel(
  db: Executor,
  p: { orderId: number; now: number },
): Promise<boolean> {
  assertDispatchTransition('queued', 'closed');
  assertDispatchTransition('held', 'closed');
  assertCancelTransition('requested', 'done');
  const res = await db
    .updateTable('orders')
    .set({ dispatch_state: 'closed', cancel_state: 'done', updated_at: p.now })
    .where('id', '=', p.orderId)
    .where('dispatch_state', 'in', ['queued', 'held'])
    .where('cancel_requested_at', 'is not', null)
    .where('cancel_state', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** A drip-feed split here stops placing runs: requested -> done, no next run. */
export async function stopRunsForCancel(db: Executor, p: { parentId: number; now: number }): Promise<void> {
  assertCancelTransition('requested', 'done');
  await db
    .updateTable('orders')
    .set({ cancel_state: 'done', next_attempt_at: null, updated_at: p.now })
    .where('id', '=', p.parentId)
    .where('cancel_state', 'is', null)
    .execute();
}

/** requested -> forwarded: the provider took it (the caller has the sync look at the order at once). */
export async function markCancelForwarded(db: Executor, p: { orderId: number }): Promise<boolean> {
  assertCancelTransition('requested', 'forwarded');
  const res = await db
    .updateTable('orders')
    .set({ cancel_state: 'forwarded' })
    .where('id', '=', p.orderId)
    .where('cancel_state', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** requested -> refused, with the provider's message. */
export async function markCancelRefused(
  db: Executor,
  p: { orderId: number; message: string },
): Promise<boolean> {
  assertCancelTransition('requested', 'refused');
  const res = await db
    .updateTable('orders')
    .set({ cancel_state: 'refused', last_error: p.message })
    .where('id', '=', p.orderId)
    .where('cancel_state', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** No usable answer: ask again at `at` (a cancel is safe to repeat). */
export async function askCancelAgainAt(db: Executor, p: { orderIds: number[]; at: number }): Promise<void> {
  if (p.orderIds.length === 0) return;
  await db.updateTable('orders').set({ next_attempt_at: p.at }).where('id', 'in', p.orderIds).execute();
}

export interface CancelRequestRow {
  orderId: number;
  userId: number;
  username: string;
  serviceName: string | null;
  status: OrderStatus;
  requestedAt: number;
  /** The engine's progress with the provider; null: not acted on yet. */
  cancelState: string | null;
}

/** Cancel requests of orders that have not ended, oldest request first. */
export async function findWaitingCancelRequests(db: Executor, limit: number): Promise<CancelRequestRow[]> {
  const rows = await db
    .selectFrom('orders')
    .innerJoin('users', 'users.id', 'orders.user_id')
    .leftJoin('services', 'services.id', 'orders.service_id')
    .select([
      'orders.id',
      'orders.user_id',
      'users.username',
      'services.name as service_name',
      'orders.status',
      'orders.cancel_requested_at',
      'orders.cancel_state',
    ])
    .where('orders.cancel_requested_at', 'is not', null)
    .where('orders.status', 'in', [...ACTIVE_STATUSES])
    .where('orders.parent_order_id', 'is', null)
    .orderBy('orders.cancel_requested_at')
    .orderBy('orders.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    orderId: Number(r.id),
    userId: Number(r.user_id),
    username: r.username,
    serviceName: r.service_name,
    status: r.status as OrderStatus,
    requestedAt: Number(r.cancel_requested_at),
    cancelState: r.cancel_state,
  }));
}
