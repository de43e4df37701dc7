/**
 * Use case: the operator resolves an order whose send had an unknown outcome (dispatch state review),
 * after looking at the provider:
 * - `sent`: the provider has it (its order id is given): follow it like any sent order;
 * - `not_sent`: the provider does not have it: send it again;
 * - `cancel`: the provider does not have it and it should not be sent: cancel with a full refund.
 */
import { sql } from 'kysely';
import { resolveAlertsAbout } from '../alerts/alerts.repo.js';
import type { Executor } from '../db/executor.js';
import { fail, ok, type Result } from '../result.js';
import { findOrder } from './orders.repo.js';
import { changeOrderStatusInTx } from './settle.js';

export type ReviewResolution =
  | { kind: 'sent'; upstreamOrderId: string }
  | { kind: 'not_sent' }
  | { kind: 'cancel' };

export async function resolveReview(opts: {
  db: Executor;
  orderId: number;
  resolution: ReviewResolution;
  now?: number;
}): Promise<Result<{ orderId: number }>> {
  const { db, orderId, resolution } = opts;
  const now = opts.now ?? Date.now();
  if (resolution.kind === 'sent' && !/^[A-Za-z0-9_-]{1,64}$/.test(resolution.upstreamOrderId)) {
    return fail({ code: 'invalid', message: 'the upstream order id must be 1-64 letters, digits, _ or -' });
  }
  return db.transaction().execute(async (tx) => {
    const order = await findOrder(tx, orderId);
    if (!order) return fail({ code: 'unknown_order' });
    if (order.dispatchState !== 'review')
      return fail({
        code: 'conflict',
        message: `order ${orderId} is not in review (it is ${order.dispatchState})`,
      });
    const set =
      resolution.kind === 'sent'
        ? {
            dispatch_state: 'sent',
            provider_order_id: resolution.upstreamOrderId,
            next_check_at: now,
            status: sql<string>`case when status = 'pending' then 'processing' else status end`,
          }
        : resolution.kind === 'not_sent'
          ? { dispatch_state: 'queued', next_attempt_at: now }
          : { dispatch_state: 'closed' };
    const res = await tx
      .updateTable('orders')
      .set({ ...set, last_error: null, updated_at: now })
      .where('id', '=', orderId)
      .where('dispatch_state', '=', 'review')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1)
      return fail({ code: 'conflict', message: `order ${orderId} changed meanwhile` });
    if (resolution.kind === 'cancel') {
      const r = await changeOrderStatusInTx(tx, { orderId, change: { status: 'canceled' }, now });
      if (!r.ok) return r;
    }
    await resolveAlertsAbout(tx, { orderId }, now);
    return ok({ orderId });
  });
}
