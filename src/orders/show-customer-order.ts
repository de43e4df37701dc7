/**
 * Use case: one of the customer's own orders, everything the web panel shows about it: the order as
 * the list shows it (with whether a refill or cancel is accepted now), its refills, its money moves,
 * the runs of a drip-feed and the state of a subscription. Another customer's order, and the engine's
 * per-run child orders, are `unknown_order` exactly like a missing one (API v2 answers the same).
 *
 * A subscription's posts are not stored one by one: the provider follows the username and reports how
 * many posts it delivered; what the panel knows is that count and, for a subscription charged per
 * post, the ledger entries paying them (shown as `payments`).
 */
import { findService } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { findEntries, type LedgerKind } from '../ledger/ledger.repo.js';
import { chargeFor, formatAmount, partialRefund } from '../money.js';
import { type CustomerRefillView, listCustomerRefills } from '../refills/list-customer-refills.js';
import { findOrdersWithOpenRefill } from '../refills/refills.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type CustomerOrderView, customerOrderView } from './list-customer-orders.js';
import { API_STATUS } from './order.state.js';
import { findNamedOrder, findOrder, findOrdersForOperator, type Order } from './orders.repo.js';

export interface CustomerRunView {
  /** 1 for the first run. */
  run: number;
  quantity: string;
  status: string;
  startCount: string | null;
  remains: string;
  /** What this run costs the customer: its part of the order's charge, less what it did not deliver. */
  charge: string;
  createdAt: string;
}

export interface CustomerSubscriptionView {
  username: string | null;
  min: number | null;
  max: number | null;
  /** The post limit; null: follows posts until canceled or expired. */
  posts: number | null;
  postsDone: number;
  oldPosts: number | null;
  /** Minutes. */
  delay: number | null;
  /** As the customer gave it (d/m/Y); null: none. */
  expiry: string | null;
}

export interface CustomerOrderDetail {
  order: CustomerOrderView;
  refills: CustomerRefillView[];
  /** Money moves of this order (charge, refunds, per-post payments and reserves), oldest first. */
  payments: { at: string; kind: LedgerKind; amount: string }[];
  runs: CustomerRunView[] | null;
  subscription: CustomerSubscriptionView | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function runView(parent: Order, r: Order): CustomerRunView {
  const price = chargeFor(parent.rateUnits, r.quantity);
  const kept =
    r.status === 'canceled'
      ? 0n
      : r.status === 'partial'
        ? price - partialRefund(price, parent.rateUnits, r.remains)
        : price;
  return {
    run: r.runIndex ?? 0,
    quantity: r.quantity.toString(),
    status: API_STATUS[r.status],
    startCount: r.startCount?.toString() ?? null,
    remains: r.remains.toString(),
    charge: formatAmount(kept),
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

function subscriptionView(o: Order): CustomerSubscriptionView {
  const p = o.params ?? {};
  const posts = num(p.posts);
  return {
    username: str(p.username),
    min: num(p.min),
    max: num(p.max),
    posts,
    // A limited subscription counts down `remains` (posts not yet delivered); an open one counts up.
    postsDone: o.deliveredPosts ?? (posts === null ? 0 : Math.max(0, posts - Number(o.remains))),
    oldPosts: num(p.old_posts),
    delay: num(p.delay),
    expiry: str(p.expiry),
  };
}

export async function showCustomerOrder(opts: {
  db: Executor;
  userId: number;
  orderId: number;
  now?: number;
}): Promise<Result<CustomerOrderDetail, FailureOf<'unknown_order'>>> {
  const { db, userId, orderId } = opts;
  const own = await findOrder(db, orderId, userId);
  const o = own ? await findNamedOrder(db, own.id) : null;
  if (!o) return fail({ code: 'unknown_order' });
  const [service, openRefill, refills, entries, runs] = await Promise.all([
    findService(db, o.serviceId, null),
    findOrdersWithOpenRefill(db, [o.id]),
    listCustomerRefills({ db, userId, orderId: o.id, limit: 100 }),
    findEntries(db, { userId, orderId: o.id, limit: 1000 }),
    o.runs === null ? Promise.resolve([]) : findOrdersForOperator(db, { runsOf: o.id, limit: 10_000 }),
  ]);
  return ok({
    order: customerOrderView(o, service, openRefill.has(o.id), opts.now ?? Date.now()),
    refills: refills.refills,
    payments: entries.reverse().map((e) => ({
      at: new Date(e.createdAt).toISOString(),
      kind: e.kind,
      amount: formatAmount(e.amountUnits),
    })),
    runs: o.runs === null ? null : runs.map((r) => runView(o, r)),
    subscription: o.type === 'Subscriptions' ? subscriptionView(o) : null,
  });
}
