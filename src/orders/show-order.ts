/**
 * Use case: everything about one order for the operator: who, which service and provider (names and
 * ids), where it stands upstream, its money and its ledger entries, refills, the cancel request and
 * the drip-feed runs the engine placed.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { findEntries } from '../ledger/ledger.repo.js';
import { type LedgerEntryView, ledgerEntryView } from '../ledger/list-funds-history.js';
import { formatAmount } from '../money.js';
import { type RefillView, refillView } from '../refills/list-refills.js';
import { findRefills } from '../refills/refills.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { API_STATUS, isTerminal } from './order.state.js';
import { type DispatchState, findNamedOrder, findOrdersForOperator } from './orders.repo.js';

export interface OrderRunView {
  id: number;
  run: number | null;
  status: string;
  quantity: string;
  remains: string;
  dispatch: DispatchState;
  upstreamOrder: string | null;
  error: string | null;
}

export interface OrderDetailView {
  id: number;
  user: { id: number; username: string };
  service: { id: number; name: string | null };
  provider: { id: number; name: string | null } | null;
  upstreamOrder: string | null;
  /** The last thing the provider (or the engine about it) said: an error, a refusal. */
  upstreamMessage: string | null;
  /** What the provider reported it charges us for this order; null: unknown (never 0 for unknown). */
  providerCost: string | null;
  /** Sends tried so far. */
  attempts: number;
  type: string;
  link: string | null;
  /** The order's extra fields (comments, usernames, posts, ...), as placed; null when none. */
  params: Record<string, unknown> | null;
  quantity: string;
  runs: number | null;
  interval: number | null;
  status: string;
  dispatch: DispatchState;
  charge: string;
  refunded: string;
  remains: string;
  startCount: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** null: no cancel asked; state `waiting` until the engine acts, `ended` if the order ended first. */
  cancel: { requestedAt: string; state: string } | null;
  ledger: LedgerEntryView[];
  refills: RefillView[];
  dripfeedRuns: OrderRunView[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function showOrder(opts: {
  db: Executor;
  /** Staff acting (needs orders.read); none for the CLI. */
  actor?: Actor | undefined;
  orderId: number;
}): Promise<Result<OrderDetailView, FailureOf<'unknown_order' | 'forbidden'>>> {
  const { db, orderId } = opts;
  if (opts.actor && !can(opts.actor.role, 'orders.read')) return fail({ code: 'forbidden' });
  const o = await findNamedOrder(db, orderId);
  if (!o) return fail({ code: 'unknown_order' });
  const [entries, refills, runs] = await Promise.all([
    findEntries(db, { orderId, limit: 1000 }),
    findRefills(db, { orderId, limit: 1000 }),
    findOrdersForOperator(db, { runsOf: orderId, limit: 10_000 }),
  ]);
  return ok({
    id: o.id,
    user: { id: o.userId, username: o.username },
    service: { id: o.serviceId, name: o.serviceName },
    provider: o.providerId === null ? null : { id: o.providerId, name: o.providerName },
    upstreamOrder: o.providerOrderId,
    upstreamMessage: o.lastError,
    providerCost: o.providerChargeUnits === null ? null : formatAmount(o.providerChargeUnits),
    attempts: o.dispatchAttempts,
    type: o.type,
    link: o.link,
    params: o.params,
    quantity: o.quantity.toString(),
    runs: o.runs,
    interval: o.intervalMinutes,
    status: API_STATUS[o.status],
    dispatch: o.dispatchState,
    charge: formatAmount(o.chargeUnits),
    refunded: formatAmount(o.refundedUnits),
    remains: o.remains.toString(),
    startCount: o.startCount?.toString() ?? null,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
    finishedAt: o.finishedAt === null ? null : iso(o.finishedAt),
    cancel:
      o.cancelRequestedAt === null
        ? null
        : {
            requestedAt: iso(o.cancelRequestedAt),
            state: o.cancelState ?? (isTerminal(o.status) ? 'ended' : 'waiting'),
          },
    ledger: entries.reverse().map(ledgerEntryView),
    refills: refills.map(refillView),
    dripfeedRuns: runs.map((r) => ({
      id: r.id,
      run: r.runIndex,
      status: API_STATUS[r.status],
      quantity: r.quantity.toString(),
      remains: r.remains.toString(),
      dispatch: r.dispatchState,
      upstreamOrder: r.providerOrderId,
      error: r.lastError,
    })),
  });
}
