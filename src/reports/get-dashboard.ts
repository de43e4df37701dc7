/**
 * Use case: the admin dashboard (reports.read: admin only, as it shows revenue and profit). For today,
 * the last 7 and the last 30 UTC days (each ending with today): customer orders placed, revenue from
 * the ledger, the provider cost known and how many orders' cost is not, and profit; the same per day
 * for the last 30 days; what waits for a decision; each provider's balance, asked in parallel.
 *
 * The money rule (docs/web.md, "Dashboard"):
 * - revenue = order charges minus order refunds, as the ledger wrote them in the period
 *   (`order_charge`, `order_refund`). Deposits and adjustments are not revenue; nor are subscription
 *   reserves (`order_reserve`, `order_reserve_return`): that money is still the customer's until it
 *   pays a post, which writes an `order_charge`.
 * - cost = what providers reported (`orders.provider_charge_units`) for the customer orders placed in
 *   the period (a drip-feed order's runs count on its day). An order whose cost is not known (manual
 *   service, an upstream that does not say, not reported yet) is counted as unknown, never as 0; one
 *   canceled before any provider had it cost nothing.
 * - profit = revenue − known cost: it leaves the unknown costs out.
 * - payments in = what payments credited minus what reversals took back, as the ledger wrote them in
 *   the period (`payment_credit`, `payment_reversal`): money paid in, not revenue.
 * The queue adds the payments waiting (pending): manual ones wait for an admin, gateway ones for the
 * gateway (or its expiry).
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { countWaiting } from '../payments/payments.repo.js';
import { getProviderBalance } from '../providers/provider-queries.js';
import { listProviders } from '../providers/providers.repo.js';
import { type Failure, type FailureOf, fail, failureMessage, ok, type Result } from '../result.js';
import { getCurrency } from '../settings/settings.js';
import {
  costPerDay,
  DAY_MS,
  type DecisionCounts,
  decisionCounts,
  ordersPerDay,
  paymentsInPerDay,
  revenuePerDay,
} from './reports.repo.js';

/** How long the dashboard waits for a provider's balance before showing it as not answered. */
export const BALANCE_TIMEOUT_MS = 5_000;
export const SERIES_DAYS = 30;

export interface Figures {
  orders: number;
  revenue: string;
  /** Known provider cost. */
  cost: string;
  /** Customer orders whose provider cost is not known (not in `cost`). */
  costUnknownOrders: number;
  /** revenue − known cost. */
  profit: string;
  /** Payments credited minus reversals (ledger), money paid in: not revenue. */
  paymentsIn: string;
}

export interface DayFigures extends Figures {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
}

export interface ProviderBalance {
  id: number;
  name: string;
  state: string;
  /** The provider's answer (its own decimal text), null when it failed. */
  balance: string | null;
  currency: string | null;
  /** Why there is no balance: the refusal's message, or that it did not answer in time. */
  error: string | null;
}

export interface Dashboard {
  currency: string;
  /** When the figures were taken (ISO), and the UTC day "today" is. */
  at: string;
  periods: { today: Figures; last7Days: Figures; last30Days: Figures };
  days: DayFigures[];
  queue: DecisionCounts & { paymentsWaiting: { manual: number; gateway: number } };
  providers: ProviderBalance[];
}

interface Sum {
  orders: number;
  revenue: bigint;
  cost: bigint;
  unknown: number;
  paidIn: bigint;
}

function figures(s: Sum): Figures {
  return {
    orders: s.orders,
    revenue: formatAmount(s.revenue),
    cost: formatAmount(s.cost),
    costUnknownOrders: s.unknown,
    profit: formatAmount(s.revenue - s.cost),
    paymentsIn: formatAmount(s.paidIn),
  };
}

function add(a: Sum, b: Sum): Sum {
  return {
    orders: a.orders + b.orders,
    revenue: a.revenue + b.revenue,
    cost: a.cost + b.cost,
    unknown: a.unknown + b.unknown,
    paidIn: a.paidIn + b.paidIn,
  };
}

async function balanceOf(
  db: Executor,
  p: { id: number; name: string; state: string },
  timeoutMs: number,
): Promise<ProviderBalance> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const r = await Promise.race([getProviderBalance({ db, providerId: p.id }), late]);
    if (r === 'late')
      return { ...p, balance: null, currency: null, error: `no answer within ${timeoutMs / 1000} s` };
    if (!r.ok) return { ...p, balance: null, currency: null, error: failureMessage(r.failure as Failure) };
    return { ...p, balance: r.value.balance, currency: r.value.currency, error: null };
  } catch (e) {
    return { ...p, balance: null, currency: null, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export async function getDashboard(opts: {
  db: Executor;
  actor: Actor;
  now?: number;
  balanceTimeoutMs?: number;
}): Promise<Result<Dashboard, FailureOf<'forbidden'>>> {
  const { db } = opts;
  if (!can(opts.actor.role, 'reports.read')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  const today = Math.floor(now / DAY_MS);
  const first = today - (SERIES_DAYS - 1);
  const period = { since: first * DAY_MS, until: (today + 1) * DAY_MS };

  const providers = await listProviders(db);
  const [orders, revenue, cost, paidIn, queue, paymentsWaiting, balances, currency] = await Promise.all([
    ordersPerDay(db, period),
    revenuePerDay(db, period),
    costPerDay(db, period),
    paymentsInPerDay(db, period),
    decisionCounts(db),
    countWaiting(db),
    Promise.all(
      providers.map((p) =>
        balanceOf(
          db,
          { id: p.id, name: p.name, state: p.state },
          opts.balanceTimeoutMs ?? BALANCE_TIMEOUT_MS,
        ),
      ),
    ),
    getCurrency(db),
  ]);

  const sums: Sum[] = [];
  for (let d = first; d <= today; d++) {
    const c = cost.get(d);
    sums.push({
      orders: orders.get(d) ?? 0,
      revenue: revenue.get(d) ?? 0n,
      cost: c?.knownUnits ?? 0n,
      unknown: c?.unknownOrders ?? 0,
      paidIn: paidIn.get(d) ?? 0n,
    });
  }
  const zero: Sum = { orders: 0, revenue: 0n, cost: 0n, unknown: 0, paidIn: 0n };
  const total = (n: number) => sums.slice(-n).reduce(add, zero);

  return ok({
    currency,
    at: new Date(now).toISOString(),
    periods: { today: figures(total(1)), last7Days: figures(total(7)), last30Days: figures(total(30)) },
    days: sums.map((s, i) => ({
      day: new Date((first + i) * DAY_MS).toISOString().slice(0, 10),
      ...figures(s),
    })),
    queue: { ...queue, paymentsWaiting },
    providers: balances,
  });
}
