/**
 * Use case: a customer asks to cancel an order. Allowed when the order is the caller's, its service
 * has cancel on, the order has not finished, and no cancel was asked before. The request is recorded
 * (orders.cancel_requested_at) for the fulfilment engine to carry out with the provider; the money
 * moves only when the order really ends Canceled or Partial.
 */
import { findService } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import { findOrder } from '../orders/orders.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { cancelAllowed } from './cancel-rules.js';
import { requestCancelRow } from './cancels.repo.js';

export async function requestCancel(opts: {
  db: Executor;
  userId: number;
  orderId: number;
  now?: number;
}): Promise<Result<{ orderId: number }, FailureOf<'unknown_order' | 'not_cancelable' | 'cancel_requested'>>> {
  const { userId, orderId } = opts;
  const now = opts.now ?? Date.now();
  // One transaction, run again after a transient failure before COMMIT (it only records the request).
  return inTransaction(opts.db, (tx) => requestCancelInTx(tx, { userId, orderId, now }));
}

async function requestCancelInTx(
  db: Executor,
  p: { userId: number; orderId: number; now: number },
): Promise<Result<{ orderId: number }, FailureOf<'unknown_order' | 'not_cancelable' | 'cancel_requested'>>> {
  const { userId, orderId, now } = p;
  const order = await findOrder(db, orderId, userId);
  if (!order) return fail({ code: 'unknown_order' });
  const service = await findService(db, order.serviceId, null);
  if (!cancelAllowed(order, service)) return fail({ code: 'not_cancelable' });
  if (order.cancelRequestedAt !== null) return fail({ code: 'cancel_requested' });
  if (!(await requestCancelRow(db, { orderId, now }))) {
    // Another request got in between the read and the update: answer as if it had come first.
    const latest = await findOrder(db, orderId, userId);
    if (latest && ACTIVE_STATUSES.includes(latest.status) && latest.cancelRequestedAt !== null) {
      return fail({ code: 'cancel_requested' });
    }
    return fail({ code: 'not_cancelable' });
  }
  return ok({ orderId });
}
