/**
 * Use case: the operator moves an order by hand (manual fulfilment), settling its money like the
 * engine (settle.ts). An order that is with its provider (or may be) is refused unless `force`: the
 * engine settles it from what the provider reports, and moving it by hand could refund the customer
 * while the provider still delivers and bills us.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { AT_PROVIDER_STATES } from './dispatch.state.js';
import { API_STATUS } from './order.state.js';
import { findOrder } from './orders.repo.js';
import { changeOrderStatusInTx, type SettleFailure, type StatusChange } from './settle.js';

export interface OrderChangeView {
  order: number;
  status: string;
  remains: string;
  refund: string;
  charge: string;
}

export async function setOrderStatus(opts: {
  db: Executor;
  orderId: number;
  change: StatusChange;
  force?: boolean | undefined;
  now?: number;
}): Promise<Result<OrderChangeView, SettleFailure | FailureOf<'order_at_provider'>>> {
  const { db, orderId, change } = opts;
  // The whole move (read, compare-and-set, refund) runs again after a transient failure before COMMIT.
  return inTransaction(db, async (tx) => {
    const order = await findOrder(tx, orderId);
    if (!order) return fail({ code: 'unknown_order' });
    if (AT_PROVIDER_STATES.includes(order.dispatchState) && !opts.force)
      return fail({ code: 'order_at_provider', orderId, dispatchState: order.dispatchState });
    const r = await changeOrderStatusInTx(tx, {
      orderId,
      change,
      expectedStatus: order.status,
      ...(opts.now === undefined ? {} : { now: opts.now }),
    });
    if (!r.ok) return r;
    return ok({
      order: orderId,
      status: API_STATUS[r.value.order.status],
      remains: r.value.order.remains.toString(),
      refund: formatAmount(r.value.refundUnits),
      charge: formatAmount(r.value.order.chargeUnits),
    });
  });
}
