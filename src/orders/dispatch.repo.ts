/**
 * The SQL of dispatch: every change of an order's dispatch state, each a compare-and-set on the state
 * it leaves (and, for a claimed order, on the worker that claimed it), checked against the table in
 * dispatch.state.ts. Callers pass the database or their transaction.
 */
import { sql } from 'kysely';
import { type DialectName, type Executor, idsIn, idsOp, rowsTable } from '../db/executor.js';
import { executeNamed } from '../db/named-statements.js';
import { assertDispatchTransition, type DispatchState } from './dispatch.state.js';
import { type Order, toOrder } from './orders.repo.js';

/** Columns an outcome may write beside the state. */
export interface DispatchSet {
  last_error?: string | null;
  next_attempt_at?: number | null;
  provider_order_id?: string;
}

/**
 * Claim up to `limit` due orders for `workerId`: queued -> sending in one statement (on Postgres with
 * FOR UPDATE SKIP LOCKED, so workers never share an order; on SQLite the one writer serialises it).
 * Only orders of active providers with no cancel asked are claimed.
 */
export async function claimDue(
  db: Executor,
  p: { workerId: string; now: number; limit: number; dialect: DialectName },
): Promise<Order[]> {
  assertDispatchTransition('queued', 'sending');
  const rows = await db
    .updateTable('orders')
    .set({
      dispatch_state: 'sending',
      claimed_by: p.workerId,
      claimed_at: p.now,
      dispatch_attempts: sql`dispatch_attempts + 1`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('orders')
        .select('id')
        // A literal, so that the plan is a range of orders_queued_idx (migration 0017).
        .where('dispatch_state', '=', sql.lit('queued'))
        .where('next_attempt_at', '<=', p.now)
        .where('cancel_requested_at', 'is', null)
        .where('status', '=', 'pending')
        .where('provider_id', 'in', eb.selectFrom('providers').select('id').where('state', '=', 'active'))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(p.limit)
        .$if(p.dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
    )
    .where('dispatch_state', '=', 'queued')
    .returningAll()
    .execute();
  return rows.map(toOrder);
}

/** sending -> review for claims older than `claimedBefore` (a worker that died mid-send). */
export async function recoverStale(
  db: Executor,
  p: { claimedBefore: number; now: number; error: string },
): Promise<{ id: number; providerId: number | null }[]> {
  assertDispatchTransition('sending', 'review');
  const rows = await db
    .updateTable('orders')
    .set({ dispatch_state: 'review', last_error: p.error, updated_at: p.now })
    // A literal, so that the plan is a range of orders_sending_idx (migration 0017).
    .where('dispatch_state', '=', sql.lit('sending'))
    .where('claimed_at', '<', p.claimedBefore)
    .returning(['id', 'provider_id'])
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    providerId: r.provider_id === null ? null : Number(r.provider_id),
  }));
}

/**
 * Renew this worker's claims (just before sending, or while orders wait for their turn). Returns the
 * ids still claimed by `workerId` (the others were declared stale meanwhile: they must not be sent).
 */
export async function renewClaims(
  db: Executor,
  p: { orderIds: number[]; workerId: string; now: number },
): Promise<Set<number>> {
  if (p.orderIds.length === 0) return new Set();
  const query = db
    .updateTable('orders')
    .set({ claimed_at: p.now })
    .where('id', idsOp(db), idsIn(db, p.orderIds))
    .where('dispatch_state', '=', 'sending')
    .where('claimed_by', '=', p.workerId)
    .returning('id');
  // One text on Postgres (the ids are one array): named.
  const { rows } = await executeNamed(db, query.compile());
  return new Set(rows.map((r) => Number(r.id)));
}

/** Whether the order is sent and follows this upstream order (a send recorded already). */
export async function isSentAs(db: Executor, p: { orderId: number; upstreamId: string }): Promise<boolean> {
  const row = await db
    .selectFrom('orders')
    .select('id')
    .where('id', '=', p.orderId)
    .where('dispatch_state', '=', 'sent')
    .where('provider_order_id', '=', p.upstreamId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Record a send's outcome: sending -> `to`, only while the claim is still `workerId`'s. Whether the
 * row was still ours.
 */
export async function releaseClaim(
  db: Executor,
  p: { orderId: number; workerId: string; to: DispatchState; now: number; set?: DispatchSet },
): Promise<boolean> {
  assertDispatchTransition('sending', p.to);
  const res = await db
    .updateTable('orders')
    .set({ ...p.set, dispatch_state: p.to, claimed_by: null, updated_at: p.now })
    .where('id', '=', p.orderId)
    .where('dispatch_state', '=', 'sending')
    .where('claimed_by', '=', p.workerId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Record accepted sends of several orders in one statement: sending -> sent, each only while the claim
 * is still `workerId`'s, with its upstream order id; an order still `pending` shows `processing` (the
 * state machine's first step once the provider has it, which moves no money: the same move as
 * settle.ts startProcessingInTx, made here so that a whole group costs one statement). Returns the ids
 * recorded; any other order's claim was lost meanwhile (see markSentLate). The caller gives the recorded
 * orders their first status check (sync.repo scheduleChecks) in the same transaction.
 */
export async function releaseClaimsSent(
  db: Executor,
  p: { workerId: string; now: number; rows: { orderId: number; upstreamId: string }[] },
): Promise<Set<number>> {
  assertDispatchTransition('sending', 'sent');
  if (p.rows.length === 0) return new Set();
  const rows = rowsTable(
    db,
    ['bigint', 'text'],
    p.rows.map((r) => [r.orderId, r.upstreamId]),
  );
  const query = sql<{ id: number | string }>`
    WITH v(id, upstream_id) AS (SELECT * FROM ${rows} AS r)
    UPDATE orders SET
      dispatch_state = 'sent',
      claimed_by = NULL,
      provider_order_id = v.upstream_id,
      last_error = NULL,
      updated_at = ${p.now},
      status = CASE WHEN orders.status = 'pending' THEN 'processing' ELSE orders.status END
    FROM v
    WHERE orders.id = v.id AND orders.dispatch_state = 'sending' AND orders.claimed_by = ${p.workerId}
    RETURNING orders.id`;
  const res = await executeNamed(db, query.compile(db));
  return new Set(res.rows.map((r) => Number(r.id)));
}

/**
 * A late acceptance of a send that was declared stale: -> sent if the order is still in review, or was
 * queued again by the operator and not claimed since (the same attempt number).
 */
export async function markSentLate(
  db: Executor,
  p: { orderId: number; attempts: number; now: number; set: DispatchSet },
): Promise<boolean> {
  assertDispatchTransition('review', 'sent');
  assertDispatchTransition('queued', 'sent');
  const res = await db
    .updateTable('orders')
    .set({ ...p.set, dispatch_state: 'sent', claimed_by: null, updated_at: p.now })
    .where('id', '=', p.orderId)
    .where((eb) =>
      eb.or([
        eb('dispatch_state', '=', 'review'),
        eb.and([eb('dispatch_state', '=', 'queued'), eb('dispatch_attempts', '=', p.attempts)]),
      ]),
    )
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The operator's resolution of a review case: review -> sent | queued | closed. */
export async function resolveFromReview(
  db: Executor,
  p: { orderId: number; to: DispatchState; now: number; set?: DispatchSet },
): Promise<boolean> {
  assertDispatchTransition('review', p.to);
  const res = await db
    .updateTable('orders')
    .set({ ...p.set, dispatch_state: p.to, updated_at: p.now })
    .where('id', '=', p.orderId)
    .where('dispatch_state', '=', 'review')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** held -> queued for every held order of a provider (it works again). How many. */
export async function requeueHeld(db: Executor, p: { providerId: number; now: number }): Promise<number> {
  assertDispatchTransition('held', 'queued');
  const res = await db
    .updateTable('orders')
    .set({ dispatch_state: 'queued', next_attempt_at: p.now })
    .where('provider_id', '=', p.providerId)
    // A literal, so that the plan is orders_held_idx (migration 0018).
    .where('dispatch_state', '=', sql.lit('held'))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
