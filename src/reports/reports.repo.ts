/**
 * The reports' SQL: per-day sums for the dashboard (orders, revenue from the ledger, provider cost),
 * the counts of what waits for a decision, and the export rows read page by page (keyset on id).
 * Times are epoch milliseconds; a day is a UTC day, `floor(ms / 86_400_000)` (integer division on
 * both SQLite and Postgres, the columns being integers). Nothing here opens a transaction.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import { OPEN_REFILL_STATUSES } from '../refills/refill.state.js';

export const DAY_MS = 86_400_000;

/** The ledger kinds that are revenue: what orders were charged (negative) and refunded (positive). */
export const REVENUE_KINDS = ['order_charge', 'order_refund'] as const;

export interface Period {
  /** First millisecond (a UTC midnight). */
  since: number;
  /** First millisecond after the period. */
  until: number;
}

/** Customer orders placed per UTC day (drip-feed runs, child orders, are not counted). */
export async function ordersPerDay(db: Executor, p: Period): Promise<Map<number, number>> {
  const day = sql<number>`created_at / ${sql.lit(DAY_MS)}`;
  const rows = await db
    .selectFrom('orders')
    .select([day.as('day'), (eb) => eb.fn.countAll().as('n')])
    .where('parent_order_id', 'is', null)
    .where('created_at', '>=', p.since)
    .where('created_at', '<', p.until)
    .groupBy(day)
    .execute();
  return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
}

/**
 * Revenue per UTC day from the ledger: minus the sum of order charges and refunds (a charge is a
 * negative entry, a refund a positive one). Reserve moves are left out: money set aside for a
 * subscription is the customer's until a post is paid, which writes an `order_charge`.
 */
export async function revenuePerDay(db: Executor, p: Period): Promise<Map<number, bigint>> {
  const day = sql<number>`created_at / ${sql.lit(DAY_MS)}`;
  const rows = await db
    .selectFrom('ledger_entries')
    .select([day.as('day'), (eb) => eb.fn.sum<number | string | bigint>('amount_units').as('sum')])
    .where('kind', 'in', [...REVENUE_KINDS])
    .where('created_at', '>=', p.since)
    .where('created_at', '<', p.until)
    .groupBy(day)
    .execute();
  return new Map(rows.map((r) => [Number(r.day), -toUnits(r.sum ?? 0)]));
}

/** The ledger kinds of money paid in: payment credits (positive) and their reversals (negative). */
export const PAYMENT_IN_KINDS = ['payment_credit', 'payment_reversal'] as const;

/**
 * Money paid in per UTC day from the ledger: what payments credited minus what reversals took back
 * (a reversal is a negative entry), on the day each entry was written.
 */
export async function paymentsInPerDay(db: Executor, p: Period): Promise<Map<number, bigint>> {
  const day = sql<number>`created_at / ${sql.lit(DAY_MS)}`;
  const rows = await db
    .selectFrom('ledger_entries')
    .select([day.as('day'), (eb) => eb.fn.sum<number | string | bigint>('amount_units').as('sum')])
    .where('kind', 'in', [...PAYMENT_IN_KINDS])
    .where('created_at', '>=', p.since)
    .where('created_at', '<', p.until)
    .groupBy(day)
    .execute();
  return new Map(rows.map((r) => [Number(r.day), toUnits(r.sum ?? 0)]));
}

export interface DayCost {
  /** What the providers reported for the orders of the day whose cost is known. */
  knownUnits: bigint;
  /** Customer orders of the day with at least one part whose cost is not known. */
  unknownOrders: number;
}

/**
 * Provider cost per UTC day of the customer order: the rows that are sent to a provider — ordinary
 * orders and drip-feed runs (a run counts on its parent's day; the parent split into runs is no
 * row of its own) — with `provider_charge_units` when known. Unknown (NULL) is counted per customer
 * order, never taken as 0; except an order canceled before any provider had it (no upstream id),
 * which cost nothing.
 */
export async function costPerDay(db: Executor, p: Period): Promise<Map<number, DayCost>> {
  const placedAt = sql<number>`coalesce(parent.created_at, o.created_at)`;
  const day = sql<number>`coalesce(parent.created_at, o.created_at) / ${sql.lit(DAY_MS)}`;
  const unknown = sql<boolean>`o.provider_charge_units is null and not (o.status = 'canceled' and o.provider_order_id is null)`;
  const rows = await db
    .selectFrom('orders as o')
    .leftJoin('orders as parent', 'parent.id', 'o.parent_order_id')
    .select([
      day.as('day'),
      (eb) => eb.fn.sum<number | string | bigint | null>('o.provider_charge_units').as('known'),
      sql<number>`count(distinct case when ${unknown} then coalesce(o.parent_order_id, o.id) end)`.as(
        'unknown',
      ),
    ])
    .where('o.dispatch_state', '!=', 'runs')
    .where(placedAt, '>=', p.since)
    .where(placedAt, '<', p.until)
    .groupBy(day)
    .execute();
  return new Map(
    rows.map((r) => [
      Number(r.day),
      { knownUnits: r.known === null ? 0n : toUnits(r.known), unknownOrders: Number(r.unknown) },
    ]),
  );
}

export interface DecisionCounts {
  ordersInReview: number;
  heldProviders: number;
  openAlerts: number;
  cancelRequests: number;
  openRefills: number;
  openTickets: number;
}

/** How many of each thing wait for the operator now. */
export async function decisionCounts(db: Executor): Promise<DecisionCounts> {
  const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) =>
    Number((await q.executeTakeFirstOrThrow()).n);
  const [ordersInReview, heldProviders, openAlerts, cancelRequests, openRefills, openTickets] =
    await Promise.all([
      count(
        db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          // A literal, so that the plan is orders_review_idx (migration 0018).
          .where('dispatch_state', '=', sql.lit('review')),
      ),
      count(
        db
          .selectFrom('providers')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('state', '=', 'held'),
      ),
      count(
        db
          .selectFrom('alerts')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('resolved_at', 'is', null),
      ),
      // As the cancel-requests queue lists them: asked, order not ended, a customer's order.
      count(
        db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('cancel_requested_at', 'is not', null)
          .where('status', 'in', [...ACTIVE_STATUSES])
          .where('parent_order_id', 'is', null),
      ),
      count(
        db
          .selectFrom('refills')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', 'in', [...OPEN_REFILL_STATUSES]),
      ),
      count(
        db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('state', '=', 'open'),
      ),
    ]);
  return { ordersInReview, heldProviders, openAlerts, cancelRequests, openRefills, openTickets };
}

export interface OrderExportRow {
  id: number;
  createdAt: number;
  userId: number;
  username: string;
  serviceId: number;
  serviceName: string | null;
  type: string;
  link: string | null;
  quantity: bigint;
  status: string;
  chargeUnits: bigint;
  refundedUnits: bigint;
  providerName: string | null;
  providerOrderId: string | null;
  providerChargeUnits: bigint | null;
  dispatchState: string;
  parentOrderId: number | null;
  finishedAt: number | null;
}

/** One page of the orders placed in the period, by id, after `afterId`. */
export async function orderExportPage(
  db: Executor,
  p: Period & { afterId: number; limit: number },
): Promise<OrderExportRow[]> {
  const rows = await db
    .selectFrom('orders as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .leftJoin('services as s', 's.id', 'o.service_id')
    .leftJoin('providers as pr', 'pr.id', 'o.provider_id')
    .select([
      'o.id',
      'o.created_at',
      'o.user_id',
      'u.username',
      'o.service_id',
      's.name as service_name',
      'o.type',
      'o.link',
      'o.quantity',
      'o.status',
      'o.charge_units',
      'o.refunded_units',
      'pr.name as provider_name',
      'o.provider_order_id',
      'o.provider_charge_units',
      'o.dispatch_state',
      'o.parent_order_id',
      'o.finished_at',
    ])
    .where('o.created_at', '>=', p.since)
    .where('o.created_at', '<', p.until)
    .where('o.id', '>', p.afterId)
    .orderBy('o.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: Number(r.created_at),
    userId: Number(r.user_id),
    username: r.username,
    serviceId: Number(r.service_id),
    serviceName: r.service_name,
    type: r.type,
    link: r.link,
    quantity: toUnits(r.quantity),
    status: r.status,
    chargeUnits: toUnits(r.charge_units),
    refundedUnits: toUnits(r.refunded_units),
    providerName: r.provider_name,
    providerOrderId: r.provider_order_id,
    providerChargeUnits: r.provider_charge_units === null ? null : toUnits(r.provider_charge_units),
    dispatchState: r.dispatch_state,
    parentOrderId: r.parent_order_id === null ? null : Number(r.parent_order_id),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  }));
}

export interface LedgerExportRow {
  id: number;
  createdAt: number;
  userId: number;
  username: string;
  kind: string;
  amountUnits: bigint;
  balanceAfterUnits: bigint;
  orderId: number | null;
  note: string | null;
}

/** One page of the ledger entries written in the period, by id, after `afterId`. */
export async function ledgerExportPage(
  db: Executor,
  p: Period & { afterId: number; limit: number },
): Promise<LedgerExportRow[]> {
  const rows = await db
    .selectFrom('ledger_entries as l')
    .innerJoin('users as u', 'u.id', 'l.user_id')
    .select([
      'l.id',
      'l.created_at',
      'l.user_id',
      'u.username',
      'l.kind',
      'l.amount_units',
      'l.balance_after_units',
      'l.order_id',
      'l.note',
    ])
    .where('l.created_at', '>=', p.since)
    .where('l.created_at', '<', p.until)
    .where('l.id', '>', p.afterId)
    .orderBy('l.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: Number(r.created_at),
    userId: Number(r.user_id),
    username: r.username,
    kind: r.kind,
    amountUnits: toUnits(r.amount_units),
    balanceAfterUnits: toUnits(r.balance_after_units),
    orderId: r.order_id === null ? null : Number(r.order_id),
    note: r.note,
  }));
}

export interface PaymentExportRow {
  id: number;
  createdAt: number;
  username: string;
  methodName: string;
  state: string;
  currency: string;
  amountUnits: bigint;
  receivedUnits: bigint | null;
  creditedUnits: bigint;
  reversedUnits: bigint;
  shortfallUnits: bigint;
  reference: string | null;
  gatewayRef: string | null;
  endedAt: number | null;
}

/** One page of the payments started in the period, by id, after `afterId`. */
export async function paymentExportPage(
  db: Executor,
  p: Period & { afterId: number; limit: number },
): Promise<PaymentExportRow[]> {
  const rows = await db
    .selectFrom('payments as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .innerJoin('payment_methods as m', 'm.id', 'p.method_id')
    .select([
      'p.id',
      'p.created_at',
      'u.username',
      'm.name as method_name',
      'p.state',
      'p.currency',
      'p.amount_units',
      'p.received_units',
      'p.credited_units',
      'p.reversed_units',
      'p.shortfall_units',
      'p.reference',
      'p.gateway_ref',
      'p.ended_at',
    ])
    .where('p.created_at', '>=', p.since)
    .where('p.created_at', '<', p.until)
    .where('p.id', '>', p.afterId)
    .orderBy('p.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: Number(r.created_at),
    username: r.username,
    methodName: r.method_name,
    state: r.state,
    currency: r.currency,
    amountUnits: toUnits(r.amount_units),
    receivedUnits: r.received_units === null ? null : toUnits(r.received_units),
    creditedUnits: toUnits(r.credited_units),
    reversedUnits: toUnits(r.reversed_units),
    shortfallUnits: toUnits(r.shortfall_units),
    reference: r.reference,
    gatewayRef: r.gateway_ref,
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  }));
}
