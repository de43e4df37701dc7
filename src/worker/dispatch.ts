/**
 * Dispatch: each queued order is sent to its provider at most once.
 *
 * 1. Claim: in one statement a batch of due orders moves queued -> sending, stamped with this
 *    worker's id (on Postgres with FOR UPDATE SKIP LOCKED, so workers never share an order). The
 *    claim is committed before any request leaves: from then on the order counts as possibly sent.
 * 2. Send the provider's `add`, with every parameter of the order's type. Just before, the claim is
 *    renewed with a compare-and-set; a claim lost meanwhile (declared stale) sends nothing.
 * 3. Record the outcome with a compare-and-set on (sending, this worker):
 *    - accepted: sent, with the upstream order id; the customer sees Processing;
 *    - refused about the order (bad link, quantity, service off): canceled with a full refund, the
 *      upstream message kept for the operator;
 *    - refused about our account there (funds, key): held, the provider marked held and the operator
 *      alerted; sent again once the provider works (see probeHeldProviders);
 *    - connection refused / no such host: the request never left: queued again with backoff;
 *    - anything else (timeout, reset, 5xx, unreadable answer): the order may exist upstream: review.
 * A worker that dies between 1 and 3 leaves the order in `sending`; recoverStaleSends moves it to
 * review once the claim is older than any request could take. Nothing is ever re-sent automatically
 * unless it surely never left.
 */

import { raiseAlert } from '../alerts/alerts.repo.js';
import { findService, type Service } from '../catalog/services.repo.js';
import { coalesce } from '../db/coalesce.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import {
  claimDue,
  type DispatchSet,
  isSentAs,
  markSentLate,
  recoverStale,
  releaseClaim as releaseClaimRow,
  releaseClaimsSent,
  renewClaims,
} from '../orders/dispatch.repo.js';
import type { DispatchState } from '../orders/dispatch.state.js';
import type { Order } from '../orders/orders.repo.js';
import { changeOrderStatusInTx, startProcessingInTx } from '../orders/settle.js';
import { scheduleChecks } from '../orders/sync.repo.js';
import type { SecretBox } from '../payments/secret-box.js';
import { findProvider, holdProvider, listProviders, type Provider } from '../providers/providers.repo.js';
import { classifyAddOutcome } from '../providers/upstream/classify.js';
import { callUpstream } from '../providers/upstream/client.js';
import { upstreamAddParams } from '../providers/upstream/params.js';
import { backoff, type WorkerSettings } from './settings.js';

export interface EngineContext {
  db: Executor;
  settings: WorkerSettings;
  log: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  now?: () => number;
  /** Opens payment methods' secrets, for the status checks of open gateway payments. */
  secretBox?: SecretBox | undefined;
}

export const nowOf = (ctx: EngineContext) => (ctx.now ? ctx.now() : Date.now());

/** Claim up to `limit` due orders for this worker. */
export async function claimForDispatch(ctx: EngineContext, limit: number): Promise<Order[]> {
  const { settings } = ctx;
  return claimDue(ctx.db, { workerId: settings.workerId, now: nowOf(ctx), limit, dialect: settings.dialect });
}

/** Orders whose send was claimed longer ago than any request can take: their outcome is unknown. */
export async function recoverStaleSends(ctx: EngineContext): Promise<number> {
  const now = nowOf(ctx);
  const rows = await recoverStale(ctx.db, {
    claimedBefore: now - ctx.settings.staleSendingMs,
    now,
    error: 'the worker stopped while sending: the order may exist upstream',
  });
  for (const r of rows) {
    await raiseAlert(ctx.db, {
      kind: 'order_review',
      orderId: r.id,
      providerId: r.providerId,
      message: `order ${r.id}: a send was interrupted; check the provider and resolve with smm-panel orders review`,
      now,
    });
    ctx.log('warn', 'order sent with unknown outcome, needs review; alert raised', {
      order: r.id,
      provider: r.providerId,
    });
  }
  return rows.length;
}

/** Compare-and-set on this worker's claim: sending -> `to`. Returns whether the row was still ours. */
function releaseClaim(
  tx: Executor,
  ctx: EngineContext,
  orderId: number,
  to: DispatchState,
  set: DispatchSet = {},
): Promise<boolean> {
  return releaseClaimRow(tx, { orderId, workerId: ctx.settings.workerId, to, now: nowOf(ctx), set });
}

/** An `add` the upstream accepted, to be recorded. */
interface Accepted {
  order: Order;
  providerId: number;
  upstreamId: string;
  now: number;
}

/**
 * The database steps of sending, shared by the sends of one round: the service and provider read once
 * per round, and the claims renewed and the accepted sends recorded for the orders that reach that
 * step at about the same time together (coalesce.ts), so that ten sends cost about two statements and
 * two commits, not thirty statements and twenty commits.
 */
export interface SendTools {
  service(id: number): Promise<Service | null>;
  provider(id: number): Promise<Provider | null>;
  /** Renew the claim just before the request leaves; false: no longer ours, send nothing. */
  renew(orderId: number): Promise<boolean>;
  /** Record an accepted send (sent, Processing), in a transaction shared with other orders. */
  recordAccepted(a: Accepted): Promise<void>;
}

function once<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    cache.set(key, p);
    // A failed read is not kept: the next order reads again.
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Groups of renewals and of recorded sends under way at once on Postgres (measured: docs/benchmarks.md). */
const PARALLEL_GROUPS_PG = 3;

export function sendTools(ctx: EngineContext): SendTools {
  // Postgres commits several connections' groups at once; SQLite has one writer.
  const parallel = ctx.settings.dialect === 'postgres' ? PARALLEL_GROUPS_PG : 1;
  const services = new Map<number, Promise<Service | null>>();
  const providers = new Map<number, Promise<Provider | null>>();
  const renew = coalesce(async (ids: number[]) => {
    const ours = await renewClaims(ctx.db, {
      orderIds: [...new Set(ids)],
      workerId: ctx.settings.workerId,
      now: nowOf(ctx),
    });
    return ids.map((id) => ours.has(id));
  }, parallel);
  const record = coalesce((items: Accepted[]) => recordAcceptedGroup(ctx, items), parallel);
  return {
    service: (id) => once(services, id, () => findService(ctx.db, id, null)),
    provider: (id) => once(providers, id, () => findProvider(ctx.db, id)),
    renew,
    async recordAccepted(a) {
      const failure = await record(a);
      if (failure !== null) throw failure;
    },
  };
}

/**
 * Record several accepted sends with one statement (releaseClaimsSent: one commit for the group). An
 * order whose claim was lost meanwhile, and every order of the group if that statement fails, is then
 * recorded in a transaction of its own, so that one order's fault never costs the others their record.
 * Returns, per item, null or what failed.
 */
async function recordAcceptedGroup(ctx: EngineContext, items: Accepted[]): Promise<unknown[]> {
  let onClaim = new Set<number>();
  try {
    const now = nowOf(ctx);
    onClaim = await inTransaction(ctx.db, async (tx) => {
      const recorded = await releaseClaimsSent(tx, {
        workerId: ctx.settings.workerId,
        now,
        rows: items.map((a) => ({ orderId: a.order.id, upstreamId: a.upstreamId })),
      });
      await scheduleChecks(tx, { orderIds: [...recorded], at: now + ctx.settings.syncBaseMs });
      return recorded;
    });
  } catch (err) {
    if (items.length > 1)
      ctx.log('warn', 'recording a group of sends failed; recording them one by one', {
        orders: items.map((a) => a.order.id),
        error: String(err),
      });
  }
  const out: unknown[] = [];
  for (const a of items) {
    if (onClaim.has(a.order.id)) {
      out.push(null);
      continue;
    }
    try {
      await ctx.db.transaction().execute((tx) => recordAcceptedInTx(ctx, tx, a));
      out.push(null);
    } catch (e) {
      out.push(e);
    }
  }
  return out;
}

async function recordAcceptedInTx(ctx: EngineContext, tx: Executor, a: Accepted): Promise<void> {
  const { order, upstreamId, now } = a;
  const set: DispatchSet = { provider_order_id: upstreamId, last_error: null };
  // The claim was declared stale meanwhile (the process stalled after sending): we now know the
  // outcome. Record it if the order is still in review, or was queued again by an operator who
  // resolved it as not sent but no worker has claimed it since (same attempt number).
  const onClaim = await releaseClaim(tx, ctx, order.id, 'sent', set);
  const recorded =
    onClaim || (await markSentLate(tx, { orderId: order.id, attempts: order.dispatchAttempts, now, set }));
  if (recorded) {
    await scheduleChecks(tx, { orderIds: [order.id], at: now + ctx.settings.syncBaseMs });
    // The customer sees Processing: pending -> processing through the state machine, in this
    // transaction. On our own claim the claimed row is fresh (nothing else moves a `sending`
    // order's status), so it need not be read again; a late acceptance reads it.
    const moved = await startProcessingInTx(tx, {
      orderId: order.id,
      now,
      ...(onClaim ? { known: order } : {}),
    });
    if (moved && !moved.ok)
      ctx.log('error', 'sent order could not show Processing', {
        order: order.id,
        failure: moved.failure,
      });
    return;
  }
  // Recorded already by a group transaction whose commit failed to answer (it did commit).
  if (await isSentAs(tx, { orderId: order.id, upstreamId })) return;
  // Too late: the order was sent again or settled meanwhile. The provider has an order we do not
  // follow: the operator must cancel it there.
  await raiseAlert(tx, {
    kind: 'possible_duplicate',
    orderId: order.id,
    providerId: a.providerId,
    message: `order ${order.id}: a send declared stale was accepted late as upstream order ${upstreamId}; cancel it at the provider if the order was sent again`,
    now,
  });
}

/** Send one claimed order and record what happened. */
export async function sendClaimed(
  ctx: EngineContext,
  order: Order,
  tools: SendTools = sendTools(ctx),
): Promise<void> {
  const now = nowOf(ctx);
  const { db } = ctx;
  const service = await tools.service(order.serviceId);
  const provider = order.providerId === null ? null : await tools.provider(order.providerId);
  if (!service?.providerServiceId || !provider) {
    // Nothing was sent: the service lost its provider. Hand the order to the operator.
    await releaseClaim(db, ctx, order.id, 'manual', { last_error: 'service has no provider any more' });
    return;
  }
  const params = upstreamAddParams(order, service.providerServiceId);
  // A claimed order may wait in its batch for a while before its turn comes: renew the claim just
  // before the request leaves, and send nothing if it is no longer ours (another worker declared it
  // stale and it went to review, where the operator may already have resolved it).
  if (!(await tools.renew(order.id))) {
    ctx.log('warn', 'claim lost before sending; not sent', { order: order.id });
    return;
  }
  // A fresh connection: a kept-alive socket closed by the upstream would turn a plain refusal into an
  // unknown outcome.
  const outcome = classifyAddOutcome(
    await callUpstream(provider, params, ctx.settings.httpTimeoutMs, { freshConnection: true }),
  );

  if (outcome.kind === 'retry_later') {
    await requeueLater(ctx, order, now, outcome.message);
    if (outcome.neverLeft)
      ctx.log('warn', 'provider unreachable, will retry', {
        order: order.id,
        provider: provider.id,
        error: outcome.message,
      });
    else
      ctx.log('warn', 'provider asked to retry later', {
        order: order.id,
        provider: provider.id,
        message: outcome.message,
      });
    return;
  }
  if (outcome.kind === 'unknown') {
    await toReview(ctx, order, provider.id, outcome.error);
    return;
  }
  if (outcome.kind === 'accepted') {
    const upstreamId = outcome.upstreamId;
    await tools.recordAccepted({ order, providerId: provider.id, upstreamId, now });
    ctx.log('info', 'order sent', { order: order.id, provider: provider.id, upstream: upstreamId });
    return;
  }
  const message = outcome.message;
  if (outcome.kind === 'refused_account') {
    await db.transaction().execute(async (tx) => {
      if (!(await releaseClaim(tx, ctx, order.id, 'held', { last_error: message }))) return;
      await holdProvider(tx, {
        providerId: provider.id,
        reason: message,
        now,
        nextProbeAt: now + ctx.settings.probeMs,
      });
      await raiseAlert(tx, {
        kind: 'provider_held',
        providerId: provider.id,
        orderId: order.id,
        message: `provider ${provider.name} refused our account: "${message}". Orders wait until it works again (smm-panel providers resume).`,
        now,
      });
    });
    ctx.log('warn', 'provider refused our account; order held, alert raised', {
      order: order.id,
      provider: provider.id,
      message,
    });
    return;
  }
  await db.transaction().execute(async (tx) => {
    if (!(await releaseClaim(tx, ctx, order.id, 'closed', { last_error: message }))) return;
    const r = await changeOrderStatusInTx(tx, { orderId: order.id, change: { status: 'canceled' }, now });
    if (!r.ok) ctx.log('error', 'could not cancel a refused order', { order: order.id, failure: r.failure });
  });
  await afterChildChange(ctx, order);
  ctx.log('warn', 'provider refused the order; canceled and refunded', {
    order: order.id,
    provider: order.providerId,
    message,
  });
}

/** The order was not taken (never left, or "not now"): queue it again after a backoff. */
async function requeueLater(ctx: EngineContext, order: Order, now: number, error: string): Promise<void> {
  const delay = backoff(ctx.settings.retryBaseMs, order.dispatchAttempts - 1, ctx.settings.retryMaxMs);
  await releaseClaim(ctx.db, ctx, order.id, 'queued', { next_attempt_at: now + delay, last_error: error });
}

async function toReview(ctx: EngineContext, order: Order, providerId: number, error: string): Promise<void> {
  const now = nowOf(ctx);
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await releaseClaim(tx, ctx, order.id, 'review', { last_error: error }))) return;
    await raiseAlert(tx, {
      kind: 'order_review',
      providerId,
      orderId: order.id,
      message: `order ${order.id}: outcome of the send is unknown (${error}); check the provider and resolve with smm-panel orders review`,
      now,
    });
  });
  ctx.log('warn', 'send outcome unknown, order needs review; alert raised', {
    order: order.id,
    provider: providerId,
    error,
  });
}

/** Hook for drip-feed runs: a child order that ended may finish its parent. Set by dripfeed.ts. */
let childHook: ((ctx: EngineContext, order: Order) => Promise<void>) | null = null;
export function onChildChange(hook: (ctx: EngineContext, order: Order) => Promise<void>): void {
  childHook = hook;
}
export async function afterChildChange(ctx: EngineContext, order: Order): Promise<void> {
  if (order.parentOrderId !== null && childHook) await childHook(ctx, order);
}

/** A round goes on claiming batches while they come back full, for up to this long. */
const DISPATCH_ROUND_MS = 1000;

/**
 * One dispatch round: recover stale claims, then claim a batch and send it, at most
 * `dispatchConcurrency` at once in all, and at most each provider's `send_limit` at once at that
 * provider (counted in this worker process: another worker process has its own count). A claim that
 * waits for its provider's turn longer than WORKER_STALE_SENDING_MS is declared stale by another
 * worker and goes to review; its send re-checks the claim first, so it is never sent twice. Keep
 * WORKER_DISPATCH_BATCH small enough for a provider's send limit (batch × add time < stale time).
 * While batches come back full, the next one is claimed as soon as every order of the last one has
 * left and at least half the lanes are free again (so that sends never wait for the slowest of a batch,
 * and a worker holds at most a batch and half its lanes in claims: what a crash leaves to review), for
 * up to DISPATCH_ROUND_MS; then the other steps of the worker's round get their turn.
 */
export async function dispatchRound(ctx: EngineContext): Promise<number> {
  await recoverStaleSends(ctx);
  const started = Date.now();
  const tools = sendTools(ctx);
  const batch = ctx.settings.dispatchBatch;
  let limits = new Map<number, number>();
  /** Claimed, not sent yet, in claim order. */
  const waiting: Order[] = [];
  const atProvider = new Map<number, number>();
  const running = new Set<Promise<void>>();
  const lanes = Math.max(1, ctx.settings.dispatchConcurrency);
  let free = lanes;
  /** Claim again once this many lanes are free (half a batch). */
  const refill = Math.ceil(Math.min(batch, lanes) / 2);
  let more = true;
  let total = 0;
  const start = (order: Order) => {
    const key = order.providerId ?? 0;
    free--;
    atProvider.set(key, (atProvider.get(key) ?? 0) + 1);
    const send = sendClaimed(ctx, order, tools)
      .catch((err: unknown) => {
        // A database fault after the claim: the order stays `sending` and goes to review when stale.
        ctx.log('error', 'dispatch failed', { order: order.id, error: String(err) });
      })
      .finally(() => {
        free++;
        atProvider.set(key, (atProvider.get(key) ?? 1) - 1);
        running.delete(send);
      });
    running.add(send);
  };
  const canClaim = () => waiting.length === 0 && more && free >= refill;
  for (;;) {
    if (canClaim()) {
      const claimed = await claimForDispatch(ctx, batch);
      total += claimed.length;
      if (claimed.length > 0 && limits.size === 0)
        limits = new Map((await listProviders(ctx.db)).map((p) => [p.id, p.sendLimit]));
      waiting.push(...claimed);
      more = claimed.length === batch && Date.now() - started < DISPATCH_ROUND_MS;
    }
    for (let i = 0; i < waiting.length && free > 0; ) {
      const order = waiting[i] as Order;
      const key = order.providerId ?? 0;
      if ((atProvider.get(key) ?? 0) < Math.max(1, limits.get(key) ?? 1)) {
        waiting.splice(i, 1);
        start(order);
      } else i++;
    }
    if (running.size === 0 && waiting.length === 0 && !more) break;
    // Every claimed order has left and lanes are free: claim the next batch while they are under way.
    if (canClaim()) continue;
    await Promise.race(running);
  }
  return total;
}
