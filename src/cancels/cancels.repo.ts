/** Reads of cancel requests (recorded on the order: cancel_requested_at, and cancel_state by the engine). */
import type { Executor } from '../db/executor.js';
import { ACTIVE_STATUSES, type OrderStatus } from '../orders/order.state.js';

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
