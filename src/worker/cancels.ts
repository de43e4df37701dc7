/**
 * Carrying out the cancels customers asked for. An order that never left (queued, held) is canceled
 * here and refunded in full. A sent order's cancel is forwarded to its provider (`cancel`, up to 100
 * ids a call); the money moves when the sync sees the order end Canceled or Partial. A drip-feed split
 * by the engine stops placing runs and cancels the runs under way. Orders fulfilled by hand, or whose
 * send is in flight or in review, wait for the operator.
 */

import { raiseAlert } from '../alerts/alerts.repo.js';
import type { Executor } from '../db/executor.js';
import { type Order, toOrder } from '../orders/orders.repo.js';
import { changeOrderStatusInTx } from '../orders/settle.js';
import { findProvider } from '../providers/providers.repo.js';
import { cancelAnswer, parseAnswer } from '../providers/upstream/answers.js';
import { callFailure } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { afterChildChange, type EngineContext, nowOf } from './dispatch.js';
import { finishParent } from './dripfeed.js';

const BATCH = 100;

export async function cancelRound(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const rows = await ctx.db
    .selectFrom('orders')
    .selectAll()
    .where('cancel_requested_at', 'is not', null)
    .where('cancel_state', 'is', null)
    .where('status', 'in', ['pending', 'processing', 'in_progress'])
    .where('dispatch_state', 'in', ['queued', 'held', 'runs', 'sent'])
    .where((eb) =>
      eb.or([
        eb('next_attempt_at', 'is', null),
        eb('next_attempt_at', '<=', now),
        eb('dispatch_state', '!=', 'sent'),
      ]),
    )
    .orderBy('id')
    .limit(500)
    .execute();
  const orders = rows.map(toOrder);
  const toForward = new Map<number, Order[]>();
  for (const order of orders) {
    if (order.dispatchState === 'queued' || order.dispatchState === 'held') {
      await cancelUnsent(ctx, order, now);
    } else if (order.dispatchState === 'runs') {
      await stopRuns(ctx.db, order, now);
      await finishParent(ctx, order.id);
    } else if (order.providerId !== null && order.providerOrderId !== null) {
      const list = toForward.get(order.providerId) ?? [];
      list.push(order);
      toForward.set(order.providerId, list);
    }
  }
  for (const [providerId, list] of toForward) {
    for (let i = 0; i < list.length; i += BATCH)
      await forwardCancels(ctx, providerId, list.slice(i, i + BATCH), now);
  }
  return orders.length;
}

async function cancelUnsent(ctx: EngineContext, order: Order, now: number): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('orders')
      .set({ dispatch_state: 'closed', cancel_state: 'done', updated_at: now })
      .where('id', '=', order.id)
      .where('dispatch_state', 'in', ['queued', 'held'])
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return; // a worker claimed it meanwhile: forwarded next round
    const r = await changeOrderStatusInTx(tx, { orderId: order.id, change: { status: 'canceled' }, now });
    if (!r.ok) throw new Error(`cancel of unsent order ${order.id} failed: ${r.failure.code}`);
  });
  await afterChildChange(ctx, order);
  ctx.log('info', 'order canceled before it was sent; refunded', { order: order.id });
}

async function stopRuns(db: Executor, parent: Order, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('orders')
      .set({ cancel_state: 'done', next_attempt_at: null, updated_at: now })
      .where('id', '=', parent.id)
      .execute();
    await tx
      .updateTable('orders')
      .set({ cancel_requested_at: now })
      .where('parent_order_id', '=', parent.id)
      .where('cancel_requested_at', 'is', null)
      .where('status', 'in', ['pending', 'processing', 'in_progress'])
      .execute();
  });
}

async function forwardCancels(
  ctx: EngineContext,
  providerId: number,
  orders: Order[],
  now: number,
): Promise<void> {
  const provider = await findProvider(ctx.db, providerId);
  if (!provider) return;
  const byUpstream = new Map(orders.map((o) => [o.providerOrderId ?? '', o]));
  const out = await callUpstream(
    provider,
    { action: 'cancel', orders: [...byUpstream.keys()].join(',') },
    ctx.settings.httpTimeoutMs,
  );
  const answered = new Set<number>();
  const parsed = out.kind === 'ok' ? parseAnswer(cancelAnswer, out.body) : null;
  if (parsed?.ok) {
    // A refusal of the whole call (SmartPanel: {"error": "This action is Invalid"}) refuses each order.
    const answer = parsed.value;
    const outcomes =
      'error' in answer
        ? orders.map((o) => ({ order: o, accepted: false, error: answer.error }))
        : answer.items.flatMap((item) => {
            const order = byUpstream.get(item.order);
            return order
              ? [{ order, accepted: item.accepted, error: 'error' in item ? item.error : '' }]
              : [];
          });
    for (const { order, accepted, error } of outcomes) {
      if (answered.has(order.id)) continue;
      answered.add(order.id);
      if (accepted) {
        await ctx.db
          .updateTable('orders')
          .set({ cancel_state: 'forwarded', next_check_at: now, unchanged_checks: 0 })
          .where('id', '=', order.id)
          .execute();
        ctx.log('info', 'cancel forwarded', { order: order.id });
        continue;
      }
      const message = `provider refused the cancel: ${error.slice(0, 300)}`;
      await ctx.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('orders')
          .set({ cancel_state: 'refused', last_error: message })
          .where('id', '=', order.id)
          .execute();
        await raiseAlert(tx, {
          kind: 'cancel_refused',
          orderId: order.id,
          providerId,
          message: `order ${order.id}: ${message}. The order goes on; cancel it at the provider by hand if needed.`,
          now,
        });
      });
      ctx.log('warn', 'provider refused a cancel', {
        order: order.id,
        provider: providerId,
        answer: JSON.stringify(out.kind === 'ok' ? out.body : null)?.slice(0, 300),
      });
    }
  } else {
    ctx.log('warn', 'cancel forwarding failed, will retry', {
      provider: providerId,
      error: callFailure(out, parsed && !parsed.ok ? parsed.error : undefined),
    });
  }
  // No usable answer for these: a cancel is safe to ask again, after a pause.
  const retry = orders.filter((o) => !answered.has(o.id)).map((o) => o.id);
  if (retry.length > 0) {
    await ctx.db
      .updateTable('orders')
      .set({ next_attempt_at: now + ctx.settings.retryBaseMs })
      .where('id', 'in', retry)
      .execute();
  }
}
