/**
 * Carrying out the cancels customers asked for. An order that never left (queued, held) is canceled
 * here and refunded in full. A sent order's cancel is forwarded to its provider (`cancel`, up to 100
 * ids a call); the money moves when the sync sees the order end Canceled or Partial. A drip-feed split
 * by the engine stops placing runs and cancels the runs under way. Orders fulfilled by hand, or whose
 * send is in flight or in review, wait for the operator.
 */

import { raiseAlert } from '../alerts/alerts.repo.js';
import {
  askCancelAgainAt,
  closeUnsentForCancel,
  findRequestedCancels,
  markCancelForwarded,
  markCancelRefused,
  requestCancelOfRuns,
  stopRunsForCancel,
} from '../cancels/cancels.repo.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import type { Order } from '../orders/orders.repo.js';
import { changeOrderStatusInTx } from '../orders/settle.js';
import { scheduleChecks } from '../orders/sync.repo.js';
import { findProvider } from '../providers/providers.repo.js';
import { cancelAnswer, parseAnswer } from '../providers/upstream/answers.js';
import { callFailure } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { upstreamParams } from '../providers/upstream/params.js';
import { afterChildChange, type EngineContext, nowOf } from './dispatch.js';
import { finishParent } from './dripfeed.js';

const BATCH = 100;

export async function cancelRound(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const orders = await findRequestedCancels(ctx.db, { now, limit: 500 });
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
    // A worker claimed it meanwhile: forwarded next round.
    if (!(await closeUnsentForCancel(tx, { orderId: order.id, now }))) return;
    const r = await changeOrderStatusInTx(tx, { orderId: order.id, change: { status: 'canceled' }, now });
    if (!r.ok) throw new Error(`cancel of unsent order ${order.id} failed: ${r.failure.code}`);
  });
  await afterChildChange(ctx, order);
  ctx.log('info', 'order canceled before it was sent; refunded', { order: order.id });
}

async function stopRuns(db: Executor, parent: Order, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await stopRunsForCancel(tx, { parentId: parent.id, now });
    await requestCancelOfRuns(tx, { parentId: parent.id, now });
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
    upstreamParams.cancel([...byUpstream.keys()]),
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
        // The sync looks at the order at once: the provider's answer to a cancel is a status.
        await inTransaction(ctx.db, async (tx) => {
          if (await markCancelForwarded(tx, { orderId: order.id }))
            await scheduleChecks(tx, { orderIds: [order.id], at: now });
        });
        ctx.log('info', 'cancel forwarded', { order: order.id });
        continue;
      }
      const message = `provider refused the cancel: ${error.slice(0, 300)}`;
      await ctx.db.transaction().execute(async (tx) => {
        if (!(await markCancelRefused(tx, { orderId: order.id, message }))) return;
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
  await askCancelAgainAt(ctx.db, { orderIds: retry, at: now + ctx.settings.retryBaseMs });
}
