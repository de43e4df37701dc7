/**
 * The SQL of status sync: leasing the most overdue sent orders of one provider, and scheduling their
 * next check. Status changes themselves go through settle.ts (the order state machine).
 */
import { sql } from 'kysely';
import { type DialectName, type Executor, idsIn, idsOp, rowsTable } from '../db/executor.js';
import { executeNamed } from '../db/named-statements.js';
import { ACTIVE_STATUS_LITERALS, type Order, toOrder } from './orders.repo.js';

/** The lower bound of a lease that looks at every due order (one statement text for both kinds). */
export const FULL_SCAN_FROM = Number.MIN_SAFE_INTEGER;

/**
 * Lease up to `limit` of a provider's sent, active orders whose check is due since `from` or later,
 * the most overdue first (on Postgres with SKIP LOCKED, so workers split the work). The same UPDATE
 * already schedules the next check as if the answer will be "unchanged" (the common answer): one more
 * unchanged check, and the next check at `now + steps[n]` for an order with n unchanged checks (the
 * last step for more), each step at least the lease. An unchanged answer then needs no second write;
 * any other outcome writes its own schedule. Returns the orders as they were before the lease (their
 * unchanged count as read), so that callers decide from the snapshot.
 */
export async function leaseDueForSync(
  db: Executor,
  p: {
    providerId: number;
    now: number;
    /** Only orders due at or after this time (the caller's floor); FULL_SCAN_FROM for all of them. */
    from: number;
    steps: number[];
    limit: number;
    dialect: DialectName;
  },
): Promise<Order[]> {
  const query = db
    .updateTable('orders')
    .set({
      next_check_at: sql`CAST(${p.now} AS BIGINT) + ${stepsByUnchangedChecks(p.steps)}`,
      unchanged_checks: sql`unchanged_checks + 1`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('orders')
        .select('id')
        .where('provider_id', '=', p.providerId)
        // Literals, so that the plan is a range of orders_active_sent_idx (migration 0017): an ended
        // order stays `sent` with its last check time, and must not be read again.
        .where('dispatch_state', '=', sql.lit('sent'))
        .where('status', 'in', ACTIVE_STATUS_LITERALS)
        .where('next_check_at', '>=', p.from)
        .where('next_check_at', '<=', p.now)
        .orderBy('next_check_at')
        .orderBy('id')
        .limit(p.limit)
        .$if(p.dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
    )
    .returningAll()
    .compile();
  // Named on Postgres: the same text at every lease (the steps are the process's settings).
  const { rows } = await executeNamed(db, query);
  return rows.map((row) => {
    const order = toOrder(row);
    return { ...order, unchangedChecks: Math.max(0, order.unchangedChecks - 1) };
  });
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
  await db
    .updateTable('orders')
    .set({
      next_check_at: p.nextCheckAt,
      unchanged_checks: p.unchangedChecks,
      ...(p.note !== null ? { last_error: p.note } : {}),
    })
    .where('id', '=', p.orderId)
    .execute();
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
    .updateTable('orders')
    .set({ next_check_at: p.nextCheckAt, unchanged_checks: p.unchangedChecks })
    .where('id', idsOp(db), idsIn(db, p.orderIds));
  await executeNamed(db, query.compile());
}

/**
 * Check these orders again at `at` (a status call that failed): the lease counted one more unchanged
 * check, which a failed call is not.
 */
export async function checkAgainAt(db: Executor, p: { orderIds: number[]; at: number }): Promise<void> {
  if (p.orderIds.length === 0) return;
  await db
    .updateTable('orders')
    .set({
      next_check_at: p.at,
      unchanged_checks: sql`CASE WHEN unchanged_checks > 0 THEN unchanged_checks - 1 ELSE 0 END`,
    })
    .where('id', idsOp(db), idsIn(db, p.orderIds))
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
 * read). Also reschedules them (a change: next check at `nextCheckAt`, backoff reset, last error
 * cleared). Returns the ids updated: an order missing from it changed under us and was left as it is.
 */
export async function recordProgressBatch(
  db: Executor,
  p: { rows: ProgressRow[]; now: number; nextCheckAt: number },
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
      next_check_at = ${p.nextCheckAt},
      unchanged_checks = 0,
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
