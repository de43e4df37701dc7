/** Reads of orders, and the compare-and-set of their status (checked by order.state.ts in settle.ts). */

import { type Insertable, sql } from 'kysely';
import type { ServiceType } from '../catalog/service-types.js';
import { coalescePerDb } from '../db/coalesce.js';
import { dialectOf, type Executor } from '../db/executor.js';
import { executeNamed } from '../db/named-statements.js';
import { preparedQuery } from '../db/prepared.js';
import type { OrdersTable } from '../db/schema.js';
import { toUnits } from '../money.js';
import type { DispatchState } from './dispatch.state.js';
import { ACTIVE_STATUSES, type OrderStatus } from './order.state.js';

export interface Order {
  id: number;
  userId: number;
  serviceId: number;
  type: ServiceType;
  link: string | null;
  quantity: bigint;
  runs: number | null;
  intervalMinutes: number | null;
  params: Record<string, unknown> | null;
  rateUnits: bigint;
  chargeUnits: bigint;
  refundedUnits: bigint;
  status: OrderStatus;
  remains: bigint;
  startCount: bigint | null;
  cancelRequestedAt: number | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  dispatchState: DispatchState;
  providerId: number | null;
  providerOrderId: string | null;
  /** What the provider reported it charges us for this order; null: unknown (manual, silent upstream). */
  providerChargeUnits: bigint | null;
  parentOrderId: number | null;
  runIndex: number | null;
  lastError: string | null;
  cancelState: string | null;
  dispatchAttempts: number;
  deliveredPosts: number | null;
  /** Money held for a subscription without a post limit, to pay its next delivered posts (0 otherwise). */
  reserveUnits: bigint;
  /** When the engine next acts on it (dispatch retry, next drip-feed run); null when nothing is planned. */
  nextAttemptAt: number | null;
}

export type { DispatchState } from './dispatch.state.js';

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
export function toOrder(row: any): Order {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    serviceId: Number(row.service_id),
    type: row.type,
    link: row.link,
    quantity: toUnits(row.quantity),
    runs: row.runs === null ? null : Number(row.runs),
    intervalMinutes: row.interval_minutes === null ? null : Number(row.interval_minutes),
    params: row.params ? JSON.parse(row.params) : null,
    rateUnits: toUnits(row.rate_units),
    chargeUnits: toUnits(row.charge_units),
    refundedUnits: toUnits(row.refunded_units),
    status: row.status,
    remains: toUnits(row.remains),
    startCount: row.start_count === null ? null : toUnits(row.start_count),
    cancelRequestedAt: row.cancel_requested_at === null ? null : Number(row.cancel_requested_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    dispatchState: row.dispatch_state,
    providerId: row.provider_id === null ? null : Number(row.provider_id),
    providerOrderId: row.provider_order_id,
    providerChargeUnits:
      row.provider_charge_units === null || row.provider_charge_units === undefined
        ? null
        : toUnits(row.provider_charge_units),
    parentOrderId: row.parent_order_id === null ? null : Number(row.parent_order_id),
    runIndex: row.run_index === null ? null : Number(row.run_index),
    lastError: row.last_error,
    cancelState: row.cancel_state,
    dispatchAttempts: Number(row.dispatch_attempts ?? 0),
    nextAttemptAt:
      row.next_attempt_at === null || row.next_attempt_at === undefined ? null : Number(row.next_attempt_at),
    deliveredPosts:
      row.delivered_posts === null || row.delivered_posts === undefined ? null : Number(row.delivered_posts),
    reserveUnits: toUnits(row.reserve_units ?? 0),
  };
}

/**
 * One order; when `userId` is given, another user's order is as absent as a missing one, and so are
 * the engine's per-run child orders of a drip-feed (customers see only the order they placed).
 */
export async function findOrder(db: Executor, id: number, userId?: number): Promise<Order | null> {
  let q = db.selectFrom('orders').selectAll().where('id', '=', id);
  if (userId !== undefined) q = q.where('user_id', '=', userId).where('parent_order_id', 'is', null);
  const row = await q.executeTakeFirst();
  return row ? toOrder(row) : null;
}

/** What the API's `status` shows of an order. */
export interface OrderStatusView {
  id: number;
  status: OrderStatus;
  chargeUnits: bigint;
  refundedUnits: bigint;
  remains: bigint;
  startCount: bigint | null;
}

/**
 * SQLite: several of one user's orders by id, only the columns `status` answers with: the hot path of
 * clients polling up to 100 orders at a time (the full row is several times slower to read). Each id is
 * found by the table's own key (the unary `+` keeps SQLite from searching orders_user_idx or
 * orders_parent_idx instead): one search per id in any table, against two (the index, then the row)
 * through orders_user_idx; the owner and the parent are checked on the row found. Compiled once per
 * number of ids (db/prepared.ts).
 */
const statusQueryFor = (count: number) =>
  preparedQuery(
    (d, user: number, ...list: number[]) =>
      (d as Executor)
        .selectFrom('orders')
        .select(['id', 'status', 'charge_units', 'refunded_units', 'remains', 'start_count'])
        .where('id', 'in', list)
        .where(sql<number>`+user_id`, '=', user)
        .where(sql<number | null>`+parent_order_id`, 'is', null),
    1 + count,
  );
const statusQueries = new Map<number, ReturnType<typeof statusQueryFor>>();
type StatusRow = Awaited<ReturnType<ReturnType<typeof statusQueryFor>>>[number];

/** Postgres: the orders of several `status` calls at once, whoever placed them (filtered below). */
const statusesByIds = preparedQuery(
  (d, list: number[]) =>
    (d as Executor)
      .selectFrom('orders')
      .select(['id', 'user_id', 'status', 'charge_units', 'refunded_units', 'remains', 'start_count'])
      .where('id', '=', sql<number>`any(${list})`)
      .where('parent_order_id', 'is', null),
  1,
);
/** Grouped status reads under way at once on Postgres (the pool has 10 connections by default). */
const PARALLEL_STATUS_LOOKUPS = 4;
/** `status` calls one grouped read serves at most (each asks for up to 100 ids: 5,000 ids at most). */
const MAX_GROUPED_STATUS_CALLS = 50;

/**
 * Postgres: the `status` calls that arrive in the same turn of the event loop read their orders in one
 * query (one round trip for all of them; nothing is cached); each call gets back only its own user's
 * orders among the ids it asked for, so another user's order stays as unknown as a missing one.
 */
const groupedStatusLookup = coalescePerDb(
  async (db: Executor, queries: { userId: number; ids: number[] }[]) => {
    const all = [...new Set(queries.flatMap((q) => q.ids))];
    const byId = new Map((await statusesByIds(db, all)).map((r) => [Number(r.id), r]));
    return queries.map((q) =>
      q.ids.flatMap((id) => {
        const row = byId.get(id);
        return row && Number(row.user_id) === q.userId ? [row] : [];
      }),
    );
  },
  PARALLEL_STATUS_LOOKUPS,
  MAX_GROUPED_STATUS_CALLS,
);

export async function findUserOrderStatuses(
  db: Executor,
  userId: number,
  ids: number[],
): Promise<Map<number, OrderStatusView>> {
  const out = new Map<number, OrderStatusView>();
  if (ids.length === 0) return out;
  let rows: StatusRow[];
  if (dialectOf(db) === 'postgres') rows = await groupedStatusLookup(db, { userId, ids });
  else {
    let query = statusQueries.get(ids.length);
    if (!query) {
      query = statusQueryFor(ids.length);
      statusQueries.set(ids.length, query);
    }
    rows = await query(db, userId, ...ids);
  }
  for (const r of rows) {
    out.set(Number(r.id), {
      id: Number(r.id),
      status: r.status as OrderStatus,
      chargeUnits: toUnits(r.charge_units),
      refundedUnits: toUnits(r.refunded_units),
      remains: toUnits(r.remains),
      startCount: r.start_count === null ? null : toUnits(r.start_count),
    });
  }
  return out;
}

/** The order a user placed with this idempotency key (the web form's), or null. */
export async function findOrderByIdemKey(
  db: Executor,
  userId: number,
  idemKey: string,
): Promise<{ id: number; chargeUnits: bigint } | null> {
  const row = await db
    .selectFrom('orders')
    .select(['id', 'charge_units'])
    .where('user_id', '=', userId)
    .where('idem_key', '=', idemKey)
    .executeTakeFirst();
  return row ? { id: Number(row.id), chargeUnits: toUnits(row.charge_units) } : null;
}

/** A new order's row as placeOrder writes it. */
export type NewOrder = Insertable<OrdersTable>;

export async function insertOrder(db: Executor, values: NewOrder): Promise<number> {
  const row = await db.insertInto('orders').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * Several new orders in one INSERT; their ids in the order of `rows`. Ids are drawn in row order
 * (Postgres identity, SQLite AUTOINCREMENT), and other inserts at the same time can only take ids
 * between them, never reorder them: so the returned ids, ascending, match the rows in order.
 */
export async function insertOrders(db: Executor, rows: NewOrder[]): Promise<number[]> {
  const returned = await db.insertInto('orders').values(rows).returning('id').execute();
  if (returned.length !== rows.length) throw new Error('insertOrders: not every order was written');
  return returned.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * Postgres, in the caller's transaction: one account's orders, all with a charge, written with their
 * debit and their ledger entries in ONE statement (a batch's one round trip instead of three; see
 * order-batch.ts): the sum is taken from the balance only if it covers it, then the orders are written
 * in the given order and each charge gets its `order_charge` entry with the balance right after it, as
 * if the orders had been placed one after the other. Returns the new ids in the given order, or null
 * when the balance does not cover the sum: then nothing was written. Every row must carry the same
 * columns (the caller checks; `fitsOneJsonArray`).
 */
export async function insertChargedOrdersPgInTx(
  tx: Executor,
  userId: number,
  totalUnits: bigint,
  rows: NewOrder[],
): Promise<number[] | null> {
  const columns = rows[0] ? definedColumns(rows[0]) : [];
  const list = sql.join(columns.map((c) => sql.ref(c)));
  const picked = sql.join(columns.map((c) => sql.ref(`r.${c}`)));
  // The rows travel as one JSON array, typed by the orders table's own row type.
  const json = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  const query = sql<{ id: number | string }>`
    WITH debit AS (
      UPDATE users SET balance_units = balance_units - ${totalUnits}
      WHERE id = ${userId} AND balance_units >= ${totalUnits}
      RETURNING balance_units
    ), placed AS (
      INSERT INTO orders (${list})
      SELECT ${picked} FROM json_populate_recordset(NULL::orders, CAST(${json} AS json)) WITH ORDINALITY AS r
      WHERE EXISTS (SELECT 1 FROM debit)
      ORDER BY r.ordinality
      RETURNING id, charge_units, created_at
    ), charged AS (
      INSERT INTO ledger_entries
        (user_id, amount_units, balance_after_units, kind, order_id, payment_id, idem_key, note, created_at)
      SELECT CAST(${userId} AS bigint), -p.charge_units,
        d.balance_units + sum(p.charge_units) OVER (ORDER BY p.id DESC) - p.charge_units,
        'order_charge', p.id, NULL, 'charge:order:' || p.id, NULL, p.created_at
      FROM placed p CROSS JOIN debit d
      ORDER BY p.id
      RETURNING order_id
    )
    SELECT id FROM placed ORDER BY id`;
  // The same text for every batch of the same columns (their values are parameters): named.
  const res = await executeNamed(tx, query.compile(tx));
  if (res.rows.length === 0) return null;
  if (res.rows.length !== rows.length) throw new Error('insertChargedOrders: not every order was written');
  return res.rows.map((r) => Number(r.id));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The columns a row sets (an undefined value is left to the column's default, as Kysely does). */
const definedColumns = (row: NewOrder) =>
  Object.keys(row).filter((c) => (row as Record<string, unknown>)[c] !== undefined);

/**
 * Whether the rows can go as one JSON array (insertChargedOrdersPgInTx): every row sets the same
 * columns (one column list), and no text holds a lone UTF-16 surrogate, which JSON would carry as an
 * escape Postgres refuses (sent as a plain parameter, it is stored as U+FFFD like any other write).
 */
export function fitsOneJsonArray(rows: NewOrder[]): boolean {
  if (!rows.every((r) => Object.values(r).every((v) => typeof v !== 'string' || !LONE_SURROGATE.test(v))))
    return false;
  const keysOf = (r: NewOrder) => definedColumns(r).sort().join(',');
  const first = rows[0] ? keysOf(rows[0]) : '';
  return rows.every((r) => keysOf(r) === first);
}

/** An order with the names the operator reads instead of ids. */
export type NamedOrder = Order & {
  username: string;
  serviceName: string | null;
  providerName: string | null;
};

/**
 * The operator's search over orders placed by customers (drip-feed runs are listed under their order),
 * newest first. `since` inclusive, `until` exclusive, both epoch milliseconds of created_at.
 */
export async function findOrdersForOperator(
  db: Executor,
  filter: {
    userId?: number | undefined;
    providerId?: number | undefined;
    serviceId?: number | undefined;
    status?: OrderStatus | undefined;
    dispatchState?: DispatchState | undefined;
    since?: number | undefined;
    until?: number | undefined;
    runsOf?: number | undefined;
    /** Keyset pagination (newest first): only orders with a smaller id. */
    beforeId?: number | undefined;
    /** Exactly this order id. */
    id?: number | undefined;
    /** Links containing this text, case-insensitive (wildcards in it are matched literally). */
    linkContains?: string | undefined;
    limit: number;
  },
): Promise<NamedOrder[]> {
  // A LEFT JOIN of users (every order has its user: the result is the same) keeps orders as the outer
  // loop: SQLite never reorders a LEFT JOIN, so the plan walks orders in id order (by primary key, or
  // orders_user_idx for one customer) and stops at the page. With an inner join and a skewed table it
  // chose to scan users first and sort every matching order (test/query-plans.test.ts).
  let q = db
    .selectFrom('orders')
    .leftJoin('users', 'users.id', 'orders.user_id')
    .leftJoin('services', 'services.id', 'orders.service_id')
    .leftJoin('providers', 'providers.id', 'orders.provider_id')
    .selectAll('orders')
    .select(['users.username', 'services.name as service_name', 'providers.name as provider_name']);
  q =
    filter.runsOf === undefined
      ? q.where('orders.parent_order_id', 'is', null)
      : q.where('orders.parent_order_id', '=', filter.runsOf);
  if (filter.userId !== undefined) q = q.where('orders.user_id', '=', filter.userId);
  if (filter.providerId !== undefined) q = q.where('orders.provider_id', '=', filter.providerId);
  if (filter.serviceId !== undefined) q = q.where('orders.service_id', '=', filter.serviceId);
  if (filter.status !== undefined)
    q = q.where(filter.userId === undefined ? 'orders.status' : statusOfOneUser, '=', filter.status);
  // A literal (one of the dispatch states, checked by the caller's type): the operator's orders in review
  // or held are then read from their partial index (migration 0018), not found by walking every order.
  if (filter.dispatchState !== undefined)
    q = q.where('orders.dispatch_state', '=', sql.lit(filter.dispatchState));
  if (filter.since !== undefined) q = q.where('orders.created_at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('orders.created_at', '<', filter.until);
  if (filter.beforeId !== undefined) q = q.where('orders.id', '<', filter.beforeId);
  if (filter.id !== undefined) q = q.where('orders.id', '=', filter.id);
  if (filter.linkContains !== undefined) q = q.where(linkContains(filter.linkContains));
  const rows = await q
    .orderBy(
      filter.runsOf === undefined ? 'orders.id' : 'orders.run_index',
      filter.runsOf === undefined ? 'desc' : 'asc',
    )
    .limit(filter.limit)
    .execute();
  return rows.map((r) => ({
    ...toOrder(r),
    username: r.username ?? '',
    serviceName: r.service_name,
    providerName: r.provider_name,
  }));
}

/**
 * The status of an order of one user, as an expression no index serves: SQLite would otherwise search
 * orders_status_idx (every order of that status, all users' together) for a status filter and check
 * each order's user, instead of walking the user's own orders (test/query-plans.test.ts).
 */
const statusOfOneUser = sql<string>`(orders.status || '')`;

/** A row of a customer's order list: what the customer sees, and the service's current refill/cancel rules. */
export interface CustomerOrderRow
  extends Pick<
    Order,
    | 'id'
    | 'serviceId'
    | 'type'
    | 'link'
    | 'params'
    | 'quantity'
    | 'runs'
    | 'intervalMinutes'
    | 'chargeUnits'
    | 'refundedUnits'
    | 'startCount'
    | 'remains'
    | 'status'
    | 'createdAt'
    | 'finishedAt'
    | 'cancelRequestedAt'
  > {
  serviceName: string | null;
  /** Null when the service is gone. */
  service: { refill: boolean; refillDays: number | null; cancel: boolean } | null;
}

/**
 * A page of one customer's own orders (the engine's drip-feed runs left out), newest first: only the
 * columns the customer's list shows, with the service's name and rules in the same read. Reading all
 * 36 columns with three joins, then each service again, cost about twice as much per page
 * (docs/benchmarks.md "Reading rows on SQLite"). The plan walks orders_user_idx (user, id) backwards.
 */
export async function findCustomerOrderPage(
  db: Executor,
  filter: {
    userId: number;
    status?: OrderStatus | undefined;
    beforeId?: number | undefined;
    id?: number | undefined;
    linkContains?: string | undefined;
    limit: number;
  },
): Promise<CustomerOrderRow[]> {
  // A LEFT JOIN keeps orders the outer loop (see findOrdersForOperator).
  let q = db
    .selectFrom('orders')
    .leftJoin('services', 'services.id', 'orders.service_id')
    .select([
      'orders.id',
      'orders.service_id',
      'orders.type',
      'orders.link',
      'orders.params',
      'orders.quantity',
      'orders.runs',
      'orders.interval_minutes',
      'orders.charge_units',
      'orders.refunded_units',
      'orders.start_count',
      'orders.remains',
      'orders.status',
      'orders.created_at',
      'orders.finished_at',
      'orders.cancel_requested_at',
      'services.id as service_found',
      'services.name as service_name',
      'services.refill',
      'services.refill_days',
      'services.cancel',
    ])
    .where('orders.user_id', '=', filter.userId)
    .where('orders.parent_order_id', 'is', null);
  if (filter.status !== undefined) q = q.where(statusOfOneUser, '=', filter.status);
  if (filter.beforeId !== undefined) q = q.where('orders.id', '<', filter.beforeId);
  if (filter.id !== undefined) q = q.where('orders.id', '=', filter.id);
  if (filter.linkContains !== undefined) q = q.where(linkContains(filter.linkContains));
  const rows = await q.orderBy('orders.id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    serviceId: Number(r.service_id),
    type: r.type as ServiceType,
    link: r.link,
    params: r.params ? JSON.parse(r.params) : null,
    quantity: toUnits(r.quantity),
    runs: r.runs === null ? null : Number(r.runs),
    intervalMinutes: r.interval_minutes === null ? null : Number(r.interval_minutes),
    chargeUnits: toUnits(r.charge_units),
    refundedUnits: toUnits(r.refunded_units),
    startCount: r.start_count === null ? null : toUnits(r.start_count),
    remains: toUnits(r.remains),
    status: r.status as OrderStatus,
    createdAt: Number(r.created_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    cancelRequestedAt: r.cancel_requested_at === null ? null : Number(r.cancel_requested_at),
    serviceName: r.service_name,
    service:
      r.service_found === null
        ? null
        : {
            refill: Number(r.refill) === 1,
            refillDays: r.refill_days === null ? null : Number(r.refill_days),
            cancel: Number(r.cancel) === 1,
          },
  }));
}

/**
 * The order's link contains `text`, case-insensitive, wildcards in it matched literally. lower() on both
 * sides: SQLite's LIKE ignores ASCII case, Postgres's does not; this is the same on both.
 */
function linkContains(text: string) {
  return sql<boolean>`lower(orders.link) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\'`;
}

/** `text` as a LIKE pattern that matches it literally (escape character: backslash). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One order with its names, or null. */
export async function findNamedOrder(db: Executor, id: number): Promise<NamedOrder | null> {
  const row = await db
    .selectFrom('orders')
    .innerJoin('users', 'users.id', 'orders.user_id')
    .leftJoin('services', 'services.id', 'orders.service_id')
    .leftJoin('providers', 'providers.id', 'orders.provider_id')
    .selectAll('orders')
    .select(['users.username', 'services.name as service_name', 'providers.name as provider_name'])
    .where('orders.id', '=', id)
    .executeTakeFirst();
  return row
    ? {
        ...toOrder(row),
        username: row.username,
        serviceName: row.service_name,
        providerName: row.provider_name,
      }
    : null;
}

/**
 * The active statuses as SQL literals, for the per-round queries that must match a partial index of
 * migration 0017 (`status IN ('pending', 'processing', 'in_progress')`): a planner can prove a partial
 * index applies from a literal, never from a bound parameter.
 */
export const ACTIVE_STATUS_LITERALS = ACTIVE_STATUSES.map((s) => sql.lit(s));

/** Columns written with a status change. */
export interface StatusSet {
  status: OrderStatus;
  remains: bigint;
  start_count: bigint | null;
  refunded_units: bigint;
  updated_at: number;
  finished_at: number | null;
  last_error?: string | null;
  provider_charge_units?: bigint;
  reserve_units?: bigint;
}

/**
 * The compare-and-set of an order's status: only while it is still `from` (and, with `money`, while
 * its charge and refunds are what the caller read; always while its reserve is). Only settle.ts calls it, after checking the move
 * against order.state.ts. Whether the row changed.
 */
export async function casOrderStatus(
  db: Executor,
  p: {
    orderId: number;
    from: OrderStatus;
    set: StatusSet;
    money?: { chargeUnits: bigint; refundedUnits: bigint };
    /** The reserve the caller read: always compared, since an ending order returns exactly that. */
    reserveUnits: bigint;
  },
): Promise<boolean> {
  let update = db
    .updateTable('orders')
    .set(p.set)
    .where('id', '=', p.orderId)
    .where('status', '=', p.from)
    .where('reserve_units', '=', p.reserveUnits);
  if (p.money) {
    update = update
      .where('charge_units', '=', p.money.chargeUnits)
      .where('refunded_units', '=', p.money.refundedUnits);
  }
  const r = await update.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
