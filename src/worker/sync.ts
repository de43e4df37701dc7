/**
 * Status sync: active orders are polled with the multi `status` call, up to 100 ids per request, per
 * provider. Each order carries its next check time; a round claims the most overdue ones first (on
 * Postgres with SKIP LOCKED, so workers split the work), so every active order is seen however many
 * there are, old ones included. An order whose status does not change is checked less and less often
 * (base × 2^n, capped); any change brings it back to the base interval.
 *
 * What the upstream says is mapped onto our state machine and settled by changeOrderStatus: Completed
 * keeps the charge, Partial refunds the undelivered part, Canceled refunds all. Statuses that would go
 * backwards, remains outside 0..quantity, unknown statuses, HTML or missing entries change nothing; they
 * are logged and raised once for the operator.
 */

import { raiseOrderAlertOnce } from '../alerts/alerts.repo.js';
import { requestCancelRow } from '../cancels/cancels.repo.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatAmount, parseAmount } from '../money.js';
import { canTransition, isTerminal } from '../orders/order.state.js';
import { MAX_POSTS } from '../orders/order-input.js';
import type { Order } from '../orders/orders.repo.js';
import { changeOrderStatusInTx, isPerPostSubscription, totalQuantity } from '../orders/settle.js';
import { payDeliveredPostsInTx } from '../orders/subscription-reserve.js';
import {
  checkAgainAt,
  FULL_SCAN_FROM,
  leaseDueForSync,
  type ProgressRow,
  recordProgressBatch,
  type SyncOrder,
  scheduleChecks,
  scheduleUnchangedCheck,
  scheduleUnchangedGroup,
} from '../orders/sync.repo.js';
import { listProviders, type Provider } from '../providers/providers.repo.js';
import { orderStatusAnswer, parseAnswer, statusMultiAnswer } from '../providers/upstream/answers.js';
import { callFailure } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { upstreamParams } from '../providers/upstream/params.js';
import { dripfeedRunsToAsk, mapUpstream, settleDripfeedFromRuns } from '../providers/upstream/status-map.js';
import { failureMessage } from '../result.js';
import { afterChildChange, type EngineContext, nowOf } from './dispatch.js';
import { backoff } from './settings.js';

export const SYNC_BATCH = 100;

/**
 * Where a provider's leases start reading the due orders, per engine. On Postgres every check leaves
 * the index entry of the order's old next check behind, dead, until VACUUM: at the front of the due
 * range, where every lease starting from the oldest due time walks over all of them (at 10M orders,
 * thousands of pages per lease). Once a lease found fewer orders than it could take, nothing was due
 * before its time but what other leases held, and every later write of a next check is at least its
 * writer's time: the next leases start a lease length before that (the floor). Whatever a write put
 * further back (another host's clock, an operator's tool) is found by a lease from the start, which
 * runs when a lease from the floor finds nothing (at most once a second) and every minute regardless;
 * while those find full batches, the floor is dropped.
 */
interface LeaseFloor {
  floor: number | null;
  fullAt: number;
}
const floors = new WeakMap<EngineContext, Map<number, LeaseFloor>>();
const FULL_SCAN_IDLE_MS = 1000;
const FULL_SCAN_EVERY_MS = 60_000;

function floorOf(ctx: EngineContext, providerId: number): LeaseFloor {
  let byProvider = floors.get(ctx);
  if (!byProvider) {
    byProvider = new Map();
    floors.set(ctx, byProvider);
  }
  let f = byProvider.get(providerId);
  if (!f) {
    f = { floor: null, fullAt: 0 };
    byProvider.set(providerId, f);
  }
  return f;
}

async function claimForSync(ctx: EngineContext, providerId: number, now: number): Promise<SyncOrder[]> {
  const f = floorOf(ctx, providerId);
  const lease = (from: number) =>
    leaseDueForSync(ctx.db, {
      providerId,
      now,
      from,
      steps: leaseSteps(ctx),
      limit: SYNC_BATCH,
      dialect: ctx.settings.dialect,
      ...(ctx.settings.dialect === 'sqlite' ? { pause: letRequestsIn } : {}),
    });
  let full = f.floor === null || now - f.fullAt >= FULL_SCAN_EVERY_MS || now < f.fullAt;
  let orders = await lease(full ? FULL_SCAN_FROM : (f.floor as number));
  if (!full && orders.length === 0 && now - f.fullAt >= FULL_SCAN_IDLE_MS) {
    full = true;
    orders = await lease(FULL_SCAN_FROM);
  }
  if (full) f.fullAt = now;
  // A full lease from the start: more may be due before the floor (a backlog put back), so the next
  // leases read from the start too, until one finds fewer than it could take.
  if (orders.length < SYNC_BATCH) f.floor = now - leaseMs(ctx);
  else if (full) f.floor = null;
  return orders;
}

/**
 * A turn of the event loop for what arrived meanwhile (the API's requests when the worker runs inside
 * the panel): SQLite's statements run on the loop and hold it until they end.
 */
const letRequestsIn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long a check may take before another lease may take its orders again. */
function leaseMs(ctx: EngineContext): number {
  return ctx.settings.httpTimeoutMs * 2;
}

/** The next check after an unchanged answer, for an order that had `n` unchanged checks before it. */
function unchangedDelay(ctx: EngineContext, n: number): number {
  return backoff(ctx.settings.syncBaseMs, n + 1, ctx.settings.syncMaxMs);
}

/**
 * What the lease schedules for an order with n unchanged checks (the last entry for more): the delay of
 * an unchanged answer, but never less than the lease. With the defaults (base 60 s, lease 60 s) the
 * two agree at every step, and an unchanged answer is not written again.
 */
function leaseSteps(ctx: EngineContext): number[] {
  const steps: number[] = [];
  for (let n = 0; n <= 20; n++) steps.push(Math.max(leaseMs(ctx), unchangedDelay(ctx, n)));
  while (steps.length > 1 && steps[steps.length - 1] === steps[steps.length - 2]) steps.pop();
  return steps;
}

async function scheduleUnchanged(
  ctx: EngineContext,
  order: SyncOrder,
  now: number,
  note: string | null,
): Promise<void> {
  const n = order.unchangedChecks;
  await scheduleUnchangedCheck(ctx.db, {
    orderId: order.id,
    nextCheckAt: now + unchangedDelay(ctx, n),
    unchangedChecks: n + 1,
    note,
  });
  if (note === null) return;
  // One alert per order and kind of anomaly while it is open: the same (or another) impossible answer
  // at the next check is recorded in last_error and logged, not raised again.
  const raised = await raiseOrderAlertOnce(ctx.db, {
    kind: 'upstream_anomaly',
    orderId: order.id,
    providerId: order.providerId,
    message: `order ${order.id}: ${note}`,
    now,
  });
  if (raised || note !== order.lastError) {
    ctx.log('warn', 'upstream answer ignored', {
      order: order.id,
      provider: order.providerId,
      note,
      alert: raised,
    });
  }
}

/** Apply one upstream status to one order. Returns whether anything changed. */
export async function applyUpstreamStatus(
  ctx: EngineContext,
  order: SyncOrder,
  entry: unknown,
  now: number,
  /** When given, unchanged orders are collected here to be rescheduled together (syncProviderBatch). */
  unchanged?: SyncOrder[],
): Promise<boolean> {
  const parsed = orderStatusAnswer.safeParse(entry);
  if (!parsed.success) {
    const shown = JSON.stringify(entry)?.slice(0, 100) ?? 'nothing';
    await scheduleUnchanged(ctx, order, now, `unreadable status from provider: ${shown}`);
    return false;
  }
  const mapped = mapUpstream(order, parsed.data);
  if ('ignore' in mapped) {
    await scheduleUnchanged(ctx, order, now, `status ignored: ${mapped.ignore}`);
    return false;
  }
  const { change } = mapped;
  const costUnits = parsed.data.charge ? parseAmount(parsed.data.charge) : null;
  const perPost = isPerPostSubscription(order);
  const alreadyPosts = BigInt(order.deliveredPosts ?? 0);
  if (perPost && (parsed.data.posts ?? 0n) - alreadyPosts > BigInt(MAX_POSTS)) {
    // No real subscription delivers that many posts between two checks: garbage, an unchanged check.
    const note = `status ignored: provider reported ${parsed.data.posts} posts delivered (was ${alreadyPosts})`;
    await scheduleUnchanged(ctx, order, now, note);
    return false;
  }
  const newPosts = perPost && (parsed.data.posts ?? 0n) > alreadyPosts;
  const same =
    !newPosts &&
    change.status === order.status &&
    (change.remains === undefined || change.remains === order.remains) &&
    (change.startCount === undefined || change.startCount === order.startCount);
  if (same) {
    if (unchanged) unchanged.push(order);
    else await scheduleUnchanged(ctx, order, now, null);
    return false;
  }
  const applied = await ctx.db.transaction().execute(async (tx) => {
    const r = await changeOrderStatusInTx(tx, {
      orderId: order.id,
      change,
      expectedStatus: order.status,
      now,
      // The claimed row is fresh: no need to read it again. While the order stays active, its next
      // check is back at the base interval (the schedule, in the same transaction).
      known: order,
      checkAt: now + ctx.settings.syncBaseMs,
      alsoSet: {
        last_error: null,
        ...(costUnits !== null && costUnits >= 0n ? { provider_charge_units: costUnits } : {}),
      },
    });
    if (!r.ok) return r;
    // Posts are charged only once the compare-and-set on the status held: a late answer about an
    // order that ended meanwhile must not charge it again.
    if (isPerPostSubscription(order) && parsed.data.posts !== null && parsed.data.posts !== undefined) {
      await chargeDeliveredPosts(ctx, tx, r.value.order, parsed.data.posts, now);
    }
    return r;
  });
  if (!applied.ok) {
    const f = applied.failure;
    await scheduleUnchanged(ctx, order, now, `status ignored: ${failureMessage(f)}`);
    return false;
  }
  const after = applied.value.order;
  if (isTerminal(after.status)) {
    ctx.log('info', 'order settled', {
      order: order.id,
      provider: order.providerId,
      upstream: order.providerOrderId,
      status: after.status,
      refund: formatAmount(applied.value.refundUnits),
    });
  }
  // A drip-feed run's progress or end moves its parent (afterChildChange ignores other orders).
  await afterChildChange(ctx, after);
  return true;
}

/** Sync one batch of one provider's due orders. Returns how many orders were checked. */
export async function syncProviderBatch(ctx: EngineContext, provider: Provider): Promise<number> {
  const now = nowOf(ctx);
  const orders = await claimForSync(ctx, provider.id, now);
  if (orders.length === 0) return 0;
  const ids = orders.map((o) => o.providerOrderId ?? '').filter(Boolean);
  const out = await callUpstream(provider, upstreamParams.status(ids), ctx.settings.httpTimeoutMs);
  const parsed = out.kind === 'ok' ? parseAnswer(statusMultiAnswer, out.body) : null;
  if (!parsed?.ok || 'error' in parsed.value) {
    const why =
      parsed?.ok && 'error' in parsed.value
        ? `the provider refused status: ${parsed.value.error}`
        : callFailure(out, parsed && !parsed.ok ? parsed.error : undefined);
    ctx.log('warn', 'status sync failed', { provider: provider.id, error: why });
    // Try these orders again after a short pause (their lease moved next_check_at further ahead).
    await checkAgainAt(ctx.db, { orderIds: orders.map((o) => o.id), at: now + ctx.settings.syncBaseMs });
    return orders.length;
  }
  const { entries, ignored } = await withDripfeedRuns(ctx, provider, orders, parsed.value.entries);
  const unchanged: SyncOrder[] = [];
  // Progress that moves no money is recorded for the whole batch in one statement; everything else
  // (ends with their refunds, subscriptions' posts, drip-feed runs, anything refused) order by order.
  const progress: { order: SyncOrder; entry: unknown; row: ProgressRow }[] = [];
  const oneByOne: { order: SyncOrder; entry: unknown }[] = [];
  for (const order of orders) {
    const key = order.providerOrderId ?? '';
    const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
    try {
      const reason = ignored.get(key);
      if (reason !== undefined) {
        await scheduleUnchanged(ctx, order, now, `status ignored: ${reason}`);
        continue;
      }
      const seen = progressOf(order, entry);
      if (seen === 'unchanged') unchanged.push(order);
      else if (seen) progress.push({ order, entry, row: seen });
      else oneByOne.push({ order, entry });
    } catch (err) {
      ctx.log('error', 'applying a status failed', { order: order.id, error: String(err) });
    }
  }
  if (progress.length > 0) {
    let recorded: Set<number> | null = null;
    try {
      recorded = await inTransaction(ctx.db, async (tx) => {
        const ids = await recordProgressBatch(tx, { rows: progress.map((p) => p.row), now });
        await scheduleChecks(tx, { orderIds: [...ids], at: now + ctx.settings.syncBaseMs });
        return ids;
      });
    } catch (err) {
      ctx.log('warn', 'recording a batch of statuses failed; applying them one by one', {
        provider: provider.id,
        orders: progress.length,
        error: String(err),
      });
    }
    // An order the batch did not update changed under us between the claim and now (an operator, a
    // cancel): the per-order path reads nothing new, refuses it the same way and records why.
    for (const p of progress) if (!recorded?.has(p.order.id)) oneByOne.push(p);
  }
  for (const { order, entry } of oneByOne) {
    try {
      await applyUpstreamStatus(ctx, order, entry, now, unchanged);
    } catch (err) {
      ctx.log('error', 'applying a status failed', { order: order.id, error: String(err) });
    }
  }
  await rescheduleUnchanged(ctx, unchanged, now);
  return orders.length;
}

/**
 * What an answer does to an order, when that is only progress: a status that is not final (Processing,
 * In progress), new remains or start count, no money moving, on an order that is nobody's run and no
 * subscription paid per post. 'unchanged' when the answer matches what is stored; null for everything
 * else, which goes through applyUpstreamStatus (its checks decide, and record why an answer is ignored).
 * The checks here are those of changeOrderStatusInTx for such a change, so that the batch never
 * records what the per-order path would refuse.
 */
function progressOf(order: Order, entry: unknown): ProgressRow | 'unchanged' | null {
  if (order.parentOrderId !== null || isPerPostSubscription(order)) return null;
  const parsed = orderStatusAnswer.safeParse(entry);
  if (!parsed.success) return null;
  const mapped = mapUpstream(order, parsed.data);
  if ('ignore' in mapped) return null;
  const { change } = mapped;
  if (
    change.status === order.status &&
    (change.remains === undefined || change.remains === order.remains) &&
    (change.startCount === undefined || change.startCount === order.startCount)
  )
    return 'unchanged';
  if (isTerminal(change.status) || !canTransition(order.status, change.status)) return null;
  if (change.remains !== undefined && (change.remains < 0n || change.remains > totalQuantity(order)))
    return null;
  if (change.startCount !== undefined && change.startCount < 0n) return null;
  const cost = parsed.data.charge ? parseAmount(parsed.data.charge) : null;
  return {
    orderId: order.id,
    from: order.status,
    chargeUnits: order.chargeUnits,
    refundedUnits: order.refundedUnits,
    reserveUnits: order.reserveUnits,
    status: change.status,
    remains: change.remains ?? order.remains,
    startCount: change.startCount ?? order.startCount,
    providerChargeUnits: cost !== null && cost >= 0n ? cost : null,
  };
}

/**
 * Drip-feed orders forwarded as such that ended `Partial` without remains: their run orders are asked
 * in one more `status` call, and the entry gets the exact remains from them (settleDripfeedFromRuns),
 * or is replaced by a reason to keep the order open.
 */
async function withDripfeedRuns(
  ctx: EngineContext,
  provider: Provider,
  orders: Order[],
  entries: Record<string, unknown>,
): Promise<{ entries: Record<string, unknown>; ignored: Map<string, string> }> {
  const ignored = new Map<string, string>();
  const needing: { order: Order; key: string; runs: string[] }[] = [];
  for (const order of orders) {
    const key = order.providerOrderId ?? '';
    const runs = Object.hasOwn(entries, key) ? dripfeedRunsToAsk(order, entries[key]) : null;
    if (runs) needing.push({ order, key, runs });
  }
  if (needing.length === 0) return { entries, ignored };
  const ids = [...new Set(needing.flatMap((n) => n.runs))].slice(0, SYNC_BATCH);
  const out = await callUpstream(provider, upstreamParams.status(ids), ctx.settings.httpTimeoutMs);
  const parsed = out.kind === 'ok' ? parseAnswer(statusMultiAnswer, out.body) : null;
  const runEntries = parsed?.ok && 'entries' in parsed.value ? parsed.value.entries : {};
  const result = { ...entries };
  for (const n of needing) {
    const settled = settleDripfeedFromRuns(n.order, entries[n.key], runEntries);
    if ('entry' in settled) result[n.key] = settled.entry;
    else ignored.set(n.key, settled.ignore);
  }
  return { entries: result, ignored };
}

/** One sync round over every provider, a few batches each. */
export async function syncRound(ctx: EngineContext, maxBatchesPerProvider = 20): Promise<number> {
  return (await syncRoundOf(ctx, maxBatchesPerProvider)).checked;
}

/**
 * The same, and whether more may be due already: some provider's every batch was full (a backlog), so
 * the worker goes on at once instead of pausing (worker.ts).
 */
export async function syncRoundOf(
  ctx: EngineContext,
  maxBatchesPerProvider = 20,
): Promise<{ checked: number; backlog: boolean }> {
  // Providers side by side: one that answers slowly (or not at all until the timeout) holds back
  // only its own orders.
  const providers = await listProviders(ctx.db);
  const rounds = await allSettledOrThrow(providers.map((p) => syncProvider(ctx, p, maxBatchesPerProvider)));
  return {
    checked: rounds.reduce((a, r) => a + r.checked, 0),
    backlog: rounds.some((r) => !r.drained && r.checked > 0),
  };
}

/**
 * One provider's due orders, batch after batch, with up to `syncConcurrency` status calls under way at
 * once: while one batch waits for its answer, another is leased or recorded. Each lease takes orders
 * no other lease holds (their next check moves ahead in the same statement; on Postgres SKIP LOCKED),
 * so no order is in two batches. Stops after `maxBatches` batches or at the first batch that was not
 * full (nothing more is due).
 */
async function syncProvider(
  ctx: EngineContext,
  provider: Provider,
  maxBatches: number,
): Promise<{ checked: number; drained: boolean }> {
  let started = 0;
  let drained = false;
  let total = 0;
  const lane = async () => {
    while (!drained && started < maxBatches) {
      started++;
      const n = await syncProviderBatch(ctx, provider);
      total += n;
      if (n < SYNC_BATCH) drained = true;
    }
  };
  const lanes = Math.max(1, Math.min(ctx.settings.syncConcurrency, maxBatches));
  await allSettledOrThrow(Array.from({ length: lanes }, lane));
  return { checked: total, drained };
}

/** Wait for every promise (none is left running); then throw the first failure, if any. */
async function allSettledOrThrow<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * A subscription without a post limit pays per delivered post, max × rate / 1000 each, from its reserve
 * and the balance (orders/subscription-reserve.ts); the reserve is set aside again after each payment.
 * When the posts cannot all be paid, or the reserve cannot be set aside again, the subscription is
 * stopped upstream (a cancel request, as API v2 has no pause) and the operator alerted.
 */
async function chargeDeliveredPosts(
  ctx: EngineContext,
  tx: Executor,
  order: Order,
  delivered: bigint,
  now: number,
): Promise<void> {
  const ended = isTerminal(order.status);
  const r = await payDeliveredPostsInTx(tx, order, delivered, { ended, now });
  if (r.kind === 'nothing_new') return;
  if (r.kind === 'implausible') {
    // Caught before the transaction (applyUpstreamStatus); kept as a guard: charge nothing.
    await raiseOrderAlertOnce(tx, {
      kind: 'upstream_anomaly',
      orderId: order.id,
      providerId: order.providerId,
      message: `subscription ${order.id}: provider reported ${delivered} posts delivered (was ${r.already}); ignored`,
      now,
    });
    return;
  }
  const unpaid = r.fresh - r.paid;
  if (r.paid > 0n) {
    ctx.log('info', 'subscription posts charged', {
      order: order.id,
      provider: order.providerId,
      posts: Number(r.paid),
    });
  }
  if (unpaid > 0n) {
    await raiseOrderAlertOnce(tx, {
      kind: 'subscription_unpaid',
      orderId: order.id,
      providerId: order.providerId,
      message: `subscription ${order.id}: funds ran out; ${unpaid} delivered post(s) unpaid${r.stop ? '; stopped upstream' : ''}`,
      now,
    });
  }
  if (r.stop) {
    await requestCancelRow(tx, { orderId: order.id, now });
    if (unpaid === 0n) {
      await raiseOrderAlertOnce(tx, {
        kind: 'subscription_stopped',
        orderId: order.id,
        providerId: order.providerId,
        message: `subscription ${order.id}: its reserve for the next post could not be set aside again; stopped upstream`,
        now,
      });
    }
    ctx.log('warn', 'subscription out of funds; stopping it', {
      order: order.id,
      provider: order.providerId,
      unpaidPosts: Number(unpaid),
    });
  }
}

/**
 * Reschedule orders whose status did not change. The lease already scheduled them so when the delay is
 * at least the lease (always, with the defaults): nothing to write. Otherwise (a lease longer than the
 * delay, as tests set it) one UPDATE per backoff step rather than one per order.
 */
async function rescheduleUnchanged(ctx: EngineContext, orders: SyncOrder[], now: number): Promise<void> {
  const byStep = new Map<number, number[]>();
  for (const o of orders) {
    if (unchangedDelay(ctx, o.unchangedChecks) >= leaseMs(ctx)) continue;
    const ids = byStep.get(o.unchangedChecks) ?? [];
    ids.push(o.id);
    byStep.set(o.unchangedChecks, ids);
  }
  for (const [n, ids] of byStep) {
    await scheduleUnchangedGroup(ctx.db, {
      orderIds: ids,
      nextCheckAt: now + unchangedDelay(ctx, n),
      unchangedChecks: n + 1,
    });
  }
}
