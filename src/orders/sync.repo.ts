/**
 * The SQL of status sync: the schedule of status checks (order_checks: one row per sent, active order,
 * its next check and its backoff step), leasing the most overdue checks of one provider, and recording
 * progress. Status changes themselves go through settle.ts (the order state machine).
 *
 * The schedule is a table of its own so that a check, which moves the next check time, writes a narrow
 * row with two small indexes instead of orders (on Postgres every update of an indexed column writes
 * an entry into each index of the table). Whatever makes an order `sent` gives it a row in the same
 * transaction (scheduleChecks); settle.ts removes the row when the order ends.
 */
import { sql } from 'kysely';
import { type DialectName, type Executor, idsIn, idsOp, rowsTable } from '../db/executor.js';
import { executeNamed } from '../db/named-statements.js';
import { isTerminal } from './order.state.js';
import { ACTIVE_STATUS_LITERALS, type Order, toOrder } from './orders.repo.js';

/** The lower bound of a lease that looks at every due order (one statement text for both kinds). */
export const FULL_SCAN_FROM = Number.MIN_SAFE_INTEGER;

/** A leased order, with the unchanged checks in a row it had before the lease. */
export interface SyncOrder extends Order {
  unchangedChecks: number;
}

/**
 * Check these orders at `at`, from the first step of the backoff: a row in the schedule for each that is
 * sent and active (read in the caller's transaction, after its own change), made or reset. Orders in any
 * other state are left out: the schedule holds only what the sync is to look at.
 */
export async function scheduleChecks(db: Executor, p: { orderIds: number[]; at: number }): Promise<void> {
  if (p.orderIds.length === 0) return;
  const query = db
    .insertInto('order_checks')
    .columns(['order_id', 'provider_id', 'next_check_at', 'unchanged_checks'])
    .expression((eb) =>
      eb
        .selectFrom('orders')
        .select(['id', 'provider_id', sql<number>`CAST(${p.at} AS BIGINT)`.as('at'), sql<number>`0`.as('n')])
        .where('id', idsOp(db), idsIn(db, p.orderIds))
        .where('dispatch_state', '=', sql.lit('sent'))
        .where('status', 'in', ACTIVE_STATUS_LITERALS)
        // Also what SQLite needs to read ON CONFLICT after INSERT ... SELECT: a WHERE before it.
        .where('provider_id', 'is not', null),
    )
    .onConflict((oc) =>
      oc.column('order_id').doUpdateSet({
        next_check_at: (eb) => eb.ref('excluded.next_check_at'),
        unchanged_checks: 0,
      }),
    );
  await executeNamed(db, query.compile());
}

/** Remove the checks of orders that ended (settle.ts, in the transaction that ends them). */
export async function dropChecks(db: Executor, p: { orderIds: number[] }): Promise<void> {
  if (p.orderIds.length === 0) return;
  await db.deleteFrom('order_checks').where('order_id', idsOp(db), idsIn(db, p.orderIds)).execute();
}

/** Leased orders read per statement when the lease pauses between reads. */
export const LEASE_READ_CHUNK = 25;

/**
 * Lease up to `limit` of a provider's checks that are due since `from` or later, the most overdue first
 * (on Postgres with SKIP LOCKED, so workers split the work), and read their orders. The same UPDATE
 * already schedules the next check as if the answer will be "unchanged" (the common answer): one more
 * unchanged check, and the next check at `now + steps[n]` for an order with n unchanged checks (the
 * last step for more), each step at least the lease. An unchanged answer then needs no second write;
 * any other outcome writes its own schedule. Returns the sent, active orders with their unchanged count
 * as read; a check whose order ended without removing it (a write outside settle.ts) is removed.
 *
 * With `pause` (SQLite, whose statements run on the event loop), the orders are read LEASE_READ_CHUNK
 * at a time after a pause, and between reads: 100 orders scattered over a 10M-order table took 5-17 ms
 * in one statement, a time every request arriving meanwhile waited.
 */
export async function leaseDueForSync(
  db: Executor,
  p: {
    providerId: number;
    now: number;
    /** Only checks due at or after this time (the caller's floor); FULL_SCAN_FROM for all of them. */
    from: number;
    steps: number[];
    limit: number;
    dialect: DialectName;
    pause?: () => Promise<void>;
  },
): Promise<SyncOrder[]> {
  const due = db
    .selectFrom('order_checks')
    .select('order_id')
    .where('provider_id', '=', p.providerId)
    .where('next_check_at', '>=', p.from)
    .where('next_check_at', '<=', p.now)
    .orderBy('next_check_at')
    .orderBy('order_id')
    .limit(p.limit);
  const query = db
    .updateTable('order_checks')
    .set({
      next_check_at: sql`CAST(${p.now} AS BIGINT) + ${stepsByUnchangedChecks(p.steps)}`,
      unchanged_checks: sql`unchanged_checks + 1`,
    })
    // On Postgres the leased ids as an array: the rows are then found by their key, whatever the
    // planner thinks of the table's size (with IN it may hash-join a whole small schedule).
    .$if(p.dialect === 'postgres', (q) =>
      q.where('order_id', '=', sql<number>`any(array(${due.forUpdate().skipLocked()}))`),
    )
    .$if(p.dialect !== 'postgres', (q) => q.where('order_id', 'in', due))
    .returning(['order_id', 'unchanged_checks'])
    .compile();
  // Named on Postgres: the same text at every lease (the steps are the process's settings).
  const { rows } = await executeNamed(db, query);
  if (rows.length === 0) return [];
  const before = new Map(rows.map((r) => [Number(r.order_id), Math.max(0, Number(r.unchanged_checks) - 1)]));
  const ids = [...before.keys()].sort((a, b) => a - b);
  const chunk = p.pause ? LEASE_READ_CHUNK : ids.length;
  const leased: SyncOrder[] = [];
  for (let i = 0; i < ids.length; i += chunk) {
    await p.pause?.();
    const some = ids.slice(i, i + chunk);
    const read = await executeNamed(
      db,
      db.selectFrom('orders').selectAll().where('id', idsOp(db), idsIn(db, some)).orderBy('id').compile(),
    );
    for (const row of read.rows) {
      const order = toOrder(row);
      if (order.dispatchState === 'sent' && !isTerminal(order.status))
        leased.push({ ...order, unchangedChecks: before.get(order.id) ?? 0 });
    }
  }
  if (leased.length < ids.length) await dropEndedChecks(db, ids);
  return leased;
}

/**
 * Remove the checks among `orderIds` whose order is no longer active. Only ended orders: an end is
 * final, so no transaction that makes an order `sent` (and gives it a check) can race with this.
 */
async function dropEndedChecks(db: Executor, orderIds: number[]): Promise<void> {
  await db
    .deleteFrom('order_checks')
    .where('order_id', idsOp(db), idsIn(db, orderIds))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('orders')
            .select('orders.id')
            .whereRef('orders.id', '=', 'order_checks.order_id')
            .where('orders.status', 'in', ACTIVE_STATUS_LITERALS),
        ),
      ),
    )
    .execute();
}

/** CASE unchanged_checks WHEN 0 THEN steps[0] ... ELSE the last step END, the steps as integer literals. */
function stepsByUnchangedChecks(steps: number[]) {
  if (steps.length === 0 || !steps.every((s) => Number.isSafeInteger(s) && s >= 0))
    throw new Error('sync steps must be non-negative whole milliseconds');
  const last = steps[steps.length - 1] as number;
  if (steps.length === 1) return sql.lit(last);
  const whens = steps.slice(0, -1).map((s, n) => sql`WHEN ${sql.lit(n)} THEN ${sql.lit(s)}`);
  return sql`(CASE unchanged_checks ${sql.join(whens, sql` `)} ELSE ${sql.lit(last)} END)`;
}

/** One unchanged order: next check at `nextCheckAt`, `unchangedChecks` unchanged checks, a note if any. */
export async function scheduleUnchangedCheck(
  db: Executor,
  p: { orderId: number; nextCheckAt: number; unchangedChecks: number; note: string | null },
): Promise<void> {
  await scheduleUnchangedGroup(db, {
    orderIds: [p.orderId],
    nextCheckAt: p.nextCheckAt,
    unchangedChecks: p.unchangedChecks,
  });
  if (p.note !== null)
    await db.updateTable('orders').set({ last_error: p.note }).where('id', '=', p.orderId).execute();
}

/**
 * Unchanged orders that were at the same backoff step: one UPDATE for all of them (most of a large
 * population is unchanged at any check).
 */
export async function scheduleUnchangedGroup(
  db: Executor,
  p: { orderIds: number[]; nextCheckAt: number; unchangedChecks: number },
): Promise<void> {
  if (p.orderIds.length === 0) return;
  const query = db
    .updateTable('order_checks')
    .set({ next_check_at: p.nextCheckAt, unchanged_checks: p.unchangedChecks })
    .where('order_id', idsOp(db), idsIn(db, p.orderIds));
  await executeNamed(db, query.compile());
}

/**
 * Check these orders again at `at` (a status call that failed): the lease counted one more unchanged
 * check, which a failed call is not.
 */
export async function checkAgainAt(db: Executor, p: { orderIds: number[]; at: number }): Promise<void> {
  if (p.orderIds.length === 0) return;
  await db
    .updateTable('order_checks')
    .set({
      next_check_at: p.at,
      unchanged_checks: sql`CASE WHEN unchanged_checks > 0 THEN unchanged_checks - 1 ELSE 0 END`,
    })
    .where('order_id', idsOp(db), idsIn(db, p.orderIds))
    .execute();
}

/**
 * A per-post subscription's delivered posts: the charge grows by what was debited for the new posts,
 * every delivered post is counted as seen, and the reserve is what is held after paying them.
 */
export async function recordDeliveredPosts(
  db: Executor,
  p: { orderId: number; addChargeUnits: bigint; deliveredPosts: number; reserveUnits: bigint },
): Promise<void> {
  await db
    .updateTable('orders')
    .set({
      charge_units: sql`charge_units + ${p.addChargeUnits}`,
      delivered_posts: p.deliveredPosts,
      reserve_units: p.reserveUnits,
    })
    .where('id', '=', p.orderId)
    .execute();
}

/** One order's progress seen by the sync, with the snapshot it was computed from (the guards). */
export interface ProgressRow {
  orderId: number;
  /** The status, charge, refunds and reserve the claim read: the row must still hold them. */
  from: string;
  chargeUnits: bigint;
  refundedUnits: bigint;
  reserveUnits: bigint;
  status: string;
  remains: bigint;
  startCount: bigint | null;
  /** What the provider charges us, when it said (null keeps what is stored). */
  providerChargeUnits: bigint | null;
}

/**
 * Record many orders' progress (a non-final status, remains, start count: no money moves) in ONE
 * statement: UPDATE ... FROM the rows (nine arrays unnested on Postgres, a VALUES list on SQLite),
 * each row with the compare-and-set of the per-order path (status, charge, refunds and reserve as
 * read), clearing the last error. Returns the ids updated: an order missing from it changed under us
 * and was left as it is. The caller schedules their next check (scheduleChecks) in the same transaction.
 */
export async function recordProgressBatch(
  db: Executor,
  p: { rows: ProgressRow[]; now: number },
): Promise<Set<number>> {
  if (p.rows.length === 0) return new Set();
  const rows = rowsTable(
    db,
    ['bigint', 'text', 'bigint', 'bigint', 'bigint', 'text', 'bigint', 'bigint', 'bigint'],
    p.rows.map((r) => [
      r.orderId,
      r.from,
      r.chargeUnits,
      r.refundedUnits,
      r.reserveUnits,
      r.status,
      r.remains,
      r.startCount,
      r.providerChargeUnits,
    ]),
  );
  const query = sql<{ id: number | string }>`
    WITH v(id, from_status, charge_units, refunded_units, reserve_units, status, remains, start_count, cost)
      AS (SELECT * FROM ${rows} AS r)
    UPDATE orders SET
      status = v.status,
      remains = v.remains,
      start_count = v.start_count,
      provider_charge_units = COALESCE(v.cost, orders.provider_charge_units),
      updated_at = ${p.now},
      finished_at = NULL,
      last_error = NULL
    FROM v
    WHERE orders.id = v.id
      AND orders.status = v.from_status
      AND orders.charge_units = v.charge_units
      AND orders.refunded_units = v.refunded_units
      AND orders.reserve_units = v.reserve_units
    RETURNING orders.id`;
  // On Postgres the text is the same for every batch: named, parsed and planned once per connection.
  const res = await executeNamed(db, query.compile(db));
  return new Set(res.rows.map((r) => Number(r.id)));
}
