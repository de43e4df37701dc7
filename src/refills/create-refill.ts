/**
 * Use case: a customer asks for a refill of a finished order. Allowed when the order is the caller's,
 * its service has refill on, it ended Completed or Partial, and no other refill of it is open. The
 * last rule is also a partial unique index, so two simultaneous requests cannot both pass.
 */

import { findService } from '../catalog/services.repo.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { findOrder } from '../orders/orders.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { refillAllowed } from './refill-rules.js';
import { insertRefill } from './refills.repo.js';

export async function createRefill(opts: {
  db: Executor;
  userId: number;
  orderId: number;
  now?: number;
}): Promise<Result<{ refillId: number }, FailureOf<'unknown_order' | 'not_refillable' | 'refill_open'>>> {
  const { userId, orderId } = opts;
  const now = opts.now ?? Date.now();
  try {
    // Reads and insert in one transaction, run again after a transient failure before COMMIT; a
    // refill already open is the partial unique index's refusal, which ends the transaction.
    return await inTransaction(opts.db, (tx) => createRefillInTx(tx, { userId, orderId, now }));
  } catch (err) {
    if (isUniqueViolation(err)) return fail({ code: 'refill_open' });
    throw err;
  }
}

async function createRefillInTx(
  db: Executor,
  p: { userId: number; orderId: number; now: number },
): Promise<Result<{ refillId: number }, FailureOf<'unknown_order' | 'not_refillable' | 'refill_open'>>> {
  const { userId, orderId, now } = p;
  const order = await findOrder(db, orderId, userId);
  if (!order) return fail({ code: 'unknown_order' });
  const service = await findService(db, order.serviceId, null);
  if (!refillAllowed(order, service, now)) return fail({ code: 'not_refillable' });
  // A refill of an order the provider fulfilled goes to that provider; otherwise the operator handles it.
  const forwarded = order.dispatchState === 'sent' && order.providerOrderId !== null;
  const refillId = await insertRefill(db, {
    orderId,
    userId,
    now,
    forwardState: forwarded ? 'queued' : 'manual',
  });
  return ok({ refillId });
}
