/**
 * Use case: a customer's own refill requests, newest first, a page at a time (keyset: `beforeId`), with
 * the status API v2's refill_status shows (Pending, In progress, Completed, Rejected, Canceled).
 */
import type { Executor } from '../db/executor.js';
import { API_REFILL_STATUS } from './refill.state.js';
import { findCustomerRefills } from './refills.repo.js';

export interface CustomerRefillView {
  id: number;
  order: number;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export async function listCustomerRefills(opts: {
  db: Executor;
  userId: number;
  /** Only this order's refills (the caller checked the order is the customer's). */
  orderId?: number | undefined;
  beforeId?: number | undefined;
  limit?: number | undefined;
}): Promise<{ refills: CustomerRefillView[]; nextBeforeId: number | null }> {
  const limit = opts.limit ?? 20;
  const rows = await findCustomerRefills(opts.db, {
    userId: opts.userId,
    orderId: opts.orderId,
    beforeId: opts.beforeId,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    refills: page.map((r) => ({
      id: r.id,
      order: r.orderId,
      status: API_REFILL_STATUS[r.status],
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    })),
    nextBeforeId: rows.length > limit && last ? last.id : null,
  };
}
