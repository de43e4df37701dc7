/**
 * Use case: the operator moves an order by hand (manual fulfilment), settling its money like the
 * engine (settle.ts). An order that is with its provider (or may be) is refused unless `force`: the
 * engine settles it from what the provider reports, and moving it by hand could refund the customer
 * while the provider still delivers and bills us.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
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
  actor: Actor;
  orderId: number;
  change: StatusChange;
  force?: boolean | undefined;
  /** Why, for the audit log. */
  note?: string | undefined;
  now?: number;
}): Promise<Result<OrderChangeView, SettleFailure | FailureOf<'order_at_provider' | 'forbidden'>>> {
  const { db, orderId, change } = opts;
  // Processing and In progress move no money; any other status settles it (refund or final charge).
  const unsettled = change.status === 'processing' || change.status === 'in_progress';
  if (!can(opts.actor.role, unsettled ? 'orders.move_unsettled' : 'orders.settle'))
    return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
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
      now,
    });
    if (!r.ok) return r;
    await recordAudit(tx, {
      actor: opts.actor,
      action: 'order.set_status',
      subject: { type: 'order', id: orderId },
      before: { status: API_STATUS[order.status], remains: order.remains, startCount: order.startCount },
      after: {
        status: API_STATUS[r.value.order.status],
        remains: r.value.order.remains,
        startCount: r.value.order.startCount,
        refund: formatAmount(r.value.refundUnits),
        ...(opts.force ? { force: true } : {}),
      },
      note: opts.note,
      now,
    });
    return ok({
      order: orderId,
      status: API_STATUS[r.value.order.status],
      remains: r.value.order.remains.toString(),
      refund: formatAmount(r.value.refundUnits),
      charge: formatAmount(r.value.order.chargeUnits),
    });
  });
}
