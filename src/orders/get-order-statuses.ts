/**
 * Use case: where a customer's orders stand (API v2 `status`, single and multi). Another user's order,
 * and the engine's drip-feed runs, are as absent as missing ones.
 */
import type { Executor } from '../db/executor.js';
import { findUserOrderStatuses, type OrderStatusView } from './orders.repo.js';

export type { OrderStatusView };

export async function getOrderStatuses(opts: {
  db: Executor;
  userId: number;
  orderIds: number[];
}): Promise<Map<number, OrderStatusView>> {
  return findUserOrderStatuses(opts.db, opts.userId, opts.orderIds);
}
