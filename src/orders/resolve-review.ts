/**
 * Use case: the operator resolves an order whose send had an unknown outcome (dispatch state review),
 * after looking at the provider:
 * - `sent`: the provider has it (its order id is given): follow it like any sent order;
 * - `not_sent`: the provider does not have it: send it again;
 * - `cancel`: the provider does not have it and it should not be sent: cancel with a full refund.
 */
import { can } from '../accounts/roles.js';
import { resolveAlertsAbout } from '../alerts/alerts.repo.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransactionUnlessFailed } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { resolveFromReview } from './dispatch.repo.js';
import { API_STATUS } from './order.state.js';
import { findOrder } from './orders.repo.js';
import { changeOrderStatusInTx, type SettleFailure, startProcessingInTx } from './settle.js';
import { scheduleChecks } from './sync.repo.js';

export type ReviewResolution =
  | { kind: 'sent'; upstreamOrderId: string }
  | { kind: 'not_sent' }
  | { kind: 'cancel' };

export async function resolveReview(opts: {
  db: Executor;
  actor: Actor;
  orderId: number;
  resolution: ReviewResolution;
  /** Why, for the audit log. */
  note?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { orderId: number },
    SettleFailure | FailureOf<'invalid_upstream_order_id' | 'not_in_review' | 'forbidden'>
  >
> {
  const { db, orderId, resolution } = opts;
  const now = opts.now ?? Date.now();
  // Whether the provider has the order decides what the customer pays: admins only.
  if (!can(opts.actor.role, 'orders.settle')) return fail({ code: 'forbidden' });
  if (resolution.kind === 'sent' && !/^[A-Za-z0-9_-]{1,64}$/.test(resolution.upstreamOrderId)) {
    return fail({ code: 'invalid_upstream_order_id' });
  }
  // A failure found after the move (the order ended meanwhile) rolls the move back.
  return inTransactionUnlessFailed(db, async (tx) => {
    const order = await findOrder(tx, orderId);
    if (!order) return fail({ code: 'unknown_order' });
    if (order.dispatchState !== 'review')
      return fail({ code: 'not_in_review', orderId, dispatchState: order.dispatchState });
    const moved =
      resolution.kind === 'sent'
        ? await resolveFromReview(tx, {
            orderId,
            to: 'sent',
            now,
            set: { provider_order_id: resolution.upstreamOrderId, last_error: null },
          })
        : resolution.kind === 'not_sent'
          ? await resolveFromReview(tx, {
              orderId,
              to: 'queued',
              now,
              set: { next_attempt_at: now, last_error: null },
            })
          : await resolveFromReview(tx, { orderId, to: 'closed', now, set: { last_error: null } });
    if (!moved) return fail({ code: 'conflict', reason: 'changed_meanwhile', what: 'order', id: orderId });
    if (resolution.kind === 'sent') {
      // The provider has it: the customer sees Processing, through the state machine; the sync looks
      // at it at once.
      const r = await startProcessingInTx(tx, { orderId, now });
      if (r && !r.ok) return r;
      await scheduleChecks(tx, { orderIds: [orderId], at: now });
    }
    if (resolution.kind === 'cancel') {
      const r = await changeOrderStatusInTx(tx, { orderId, change: { status: 'canceled' }, now });
      if (!r.ok) return r;
    }
    await resolveAlertsAbout(tx, { orderId }, now);
    const after = await findOrder(tx, orderId);
    await recordAudit(tx, {
      actor: opts.actor,
      action: 'order.resolve_review',
      subject: { type: 'order', id: orderId },
      before: { status: API_STATUS[order.status], dispatchState: order.dispatchState },
      after: {
        resolution: resolution.kind,
        ...(resolution.kind === 'sent' ? { upstreamOrderId: resolution.upstreamOrderId } : {}),
        status: after ? API_STATUS[after.status] : null,
        dispatchState: after?.dispatchState ?? null,
      },
      note: opts.note,
      now,
    });
    return ok({ orderId });
  });
}
