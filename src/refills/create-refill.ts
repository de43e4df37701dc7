/**
 * Use case: a customer asks for a refill of a finished order. Allowed when the order is the caller's,
 * its service has refill on, it ended Completed or Partial, and no other refill of it is open. The
 * last rule is also a partial unique index, so two simultaneous requests cannot both pass.
 */

import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { findOrder } from '../orders/orders.repo.js';
import { fail, ok, type Result } from '../result.js';

export async function createRefill(opts: {
  db: Executor;
  userId: number;
  orderId: number;
  now?: number;
}): Promise<Result<{ refillId: number }>> {
  const { db, userId, orderId } = opts;
  const now = opts.now ?? Date.now();
  const order = await findOrder(db, orderId, userId);
  if (!order) return fail({ code: 'unknown_order' });
  const service = await db
    .selectFrom('services')
    .select(['refill', 'refill_days'])
    .where('id', '=', order.serviceId)
    .executeTakeFirst();
  if (!service || Number(service.refill) !== 1) return fail({ code: 'not_refillable' });
  if (order.status !== 'completed' && order.status !== 'partial') return fail({ code: 'not_refillable' });
  // The refill window: days after the order finished, or its whole lifetime when the service sets none.
  if (service.refill_days !== null && order.finishedAt !== null) {
    if (now > order.finishedAt + Number(service.refill_days) * 86_400_000)
      return fail({ code: 'not_refillable' });
  }
  // A refill of an order the provider fulfilled goes to that provider; otherwise the operator handles it.
  const forwarded = order.dispatchState === 'sent' && order.providerOrderId !== null;
  try {
    const row = await db
      .insertInto('refills')
      .values({
        order_id: orderId,
        user_id: userId,
        status: 'pending',
        created_at: now,
        updated_at: now,
        forward_state: forwarded ? 'queued' : 'manual',
        next_check_at: forwarded ? now : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return ok({ refillId: Number(row.id) });
  } catch (err) {
    if (isUniqueViolation(err)) return fail({ code: 'refill_open' });
    throw err;
  }
}
