/**
 * Drip-feed split by the engine, for upstream services that do not take runs/interval themselves:
 * the order (the parent, which the customer sees and was charged for) places one child order per run
 * every `interval` minutes. Children are ordinary orders for dispatch and sync (at most once, review on
 * doubt) but carry no charge of their own; the parent's remains is what is left of the whole order, and
 * when every run has ended (or the rest was canceled) the parent settles: Completed, Partial (refund of
 * what was not delivered, including runs never placed) or Canceled (refund of all).
 */

import {
  countRuns,
  findDueParents,
  findQuietParents,
  insertRun,
  listRuns,
  moveNextRunDue,
} from '../orders/dripfeed.repo.js';
import { isTerminal } from '../orders/order.state.js';
import { findOrder, type Order } from '../orders/orders.repo.js';
import { changeOrderStatusInTx, totalQuantity } from '../orders/settle.js';
import { type EngineContext, nowOf, onChildChange } from './dispatch.js';

/** Place the runs that are due. */
export async function runsRound(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const parents = await findDueParents(ctx.db, { now, limit: 100 });
  let placed = 0;
  for (const parent of parents) {
    if (await placeNextRun(ctx, parent, now)) placed++;
  }
  // Parents with every run placed are settled when their last run ends (finishParent, from sync); this
  // sweep also settles those whose last change happened elsewhere (an operator's review, a crash).
  const waiting = await findQuietParents(ctx.db, { quietSince: now - ctx.settings.syncBaseMs, limit: 100 });
  for (const id of waiting) await finishParent(ctx, id);
  return placed;
}

async function placeNextRun(ctx: EngineContext, parent: Order, now: number): Promise<boolean> {
  const runs = parent.runs ?? 1;
  const interval = (parent.intervalMinutes ?? 0) * 60_000;
  const due = parent.nextAttemptAt;
  if (due === null) return false;
  return ctx.db.transaction().execute(async (tx) => {
    const k = await countRuns(tx, parent.id);
    const nextDue = k + 1 < runs ? parent.createdAt + (k + 1) * interval : null;
    // Compare-and-set on the due time: of two workers, one places this run.
    const moved = await moveNextRunDue(tx, { parentId: parent.id, due, nextDue, now });
    if (!moved || k >= runs) return false;
    await insertRun(tx, { parent, runIndex: k, now });
    if (parent.status === 'pending') {
      await changeOrderStatusInTx(tx, {
        orderId: parent.id,
        change: { status: 'processing' },
        expectedStatus: 'pending',
        now,
      });
    }
    ctx.log('info', 'drip-feed run placed', { order: parent.id, run: k + 1, of: runs });
    return true;
  });
}

/** After a run changed: update the parent's progress, and settle it once every run has ended. */
export async function finishParent(ctx: EngineContext, parentId: number): Promise<void> {
  const now = nowOf(ctx);
  await ctx.db.transaction().execute(async (tx) => {
    const parent = await findOrder(tx, parentId);
    if (!parent || isTerminal(parent.status) || parent.dispatchState !== 'runs') return;
    const children = await listRuns(tx, parentId);
    const runs = parent.runs ?? 1;
    const morePlanned = parent.nextAttemptAt !== null && parent.cancelState !== 'done';
    const unplaced = BigInt(Math.max(0, runs - children.length)) * parent.quantity;
    const remains = children.reduce((sum, c) => sum + c.remains, 0n) + unplaced;
    const total = totalQuantity(parent);
    const allEnded = children.every((c) => isTerminal(c.status));
    if (!morePlanned && allEnded) {
      const status = remains === 0n ? 'completed' : remains >= total ? 'canceled' : 'partial';
      const r = await changeOrderStatusInTx(tx, {
        orderId: parentId,
        change: { status, remains },
        expectedStatus: parent.status,
        now,
      });
      if (!r.ok)
        ctx.log('error', 'drip-feed parent could not settle', { order: parentId, failure: r.failure });
      else
        ctx.log('info', 'drip-feed order finished', { order: parentId, status, remains: remains.toString() });
      return;
    }
    const started = children.some((c) => c.status !== 'pending' && c.status !== 'processing');
    const status = started ? 'in_progress' : parent.status === 'pending' ? 'processing' : parent.status;
    if (status !== parent.status || remains !== parent.remains) {
      await changeOrderStatusInTx(tx, {
        orderId: parentId,
        change: { status, remains },
        expectedStatus: parent.status,
        now,
      });
    }
  });
}

onChildChange(async (ctx, child) => {
  if (child.parentOrderId !== null) await finishParent(ctx, child.parentOrderId);
});
