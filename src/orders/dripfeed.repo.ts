/**
 * The SQL of drip-feed split by the engine: parents (dispatch state `runs`) whose next run is due,
 * their runs (child orders), and the compare-and-set on the due time that makes one worker place one
 * run. Status changes of parents go through settle.ts.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { ACTIVE_STATUS_LITERALS, type Order, toOrder } from './orders.repo.js';

/**
 * Active parents whose next run is due, the most overdue first. The state and statuses are literals so
 * that the plan is a range of orders_active_parents_idx (migration 0017), never the orders table.
 */
export async function findDueParents(db: Executor, p: { now: number; limit: number }): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('dispatch_state', '=', sql.lit('runs'))
    .where('status', 'in', ACTIVE_STATUS_LITERALS)
    .where('next_attempt_at', '<=', p.now)
    .where('cancel_requested_at', 'is', null)
    .orderBy('next_attempt_at')
    .limit(p.limit)
    .execute();
  return rows.map(toOrder);
}

/**
 * Active parents with every run placed and no change since `quietSince` (to settle by a sweep): the
 * NULL entries of orders_active_parents_idx, not every drip-feed parent that ever ended.
 */
export async function findQuietParents(
  db: Executor,
  p: { quietSince: number; limit: number },
): Promise<number[]> {
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('dispatch_state', '=', sql.lit('runs'))
    .where('status', 'in', ACTIVE_STATUS_LITERALS)
    .where('next_attempt_at', 'is', null)
    .where('updated_at', '<', p.quietSince)
    .limit(p.limit)
    .execute();
  return rows.map((r) => Number(r.id));
}

export async function countRuns(db: Executor, parentId: number): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('parent_order_id', '=', parentId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listRuns(db: Executor, parentId: number): Promise<Order[]> {
  const rows = await db.selectFrom('orders').selectAll().where('parent_order_id', '=', parentId).execute();
  return rows.map(toOrder);
}

/** Compare-and-set on the parent's due time: of two workers, one moves it (and places this run). */
export async function moveNextRunDue(
  db: Executor,
  p: { parentId: number; due: number; nextDue: number | null; now: number },
): Promise<boolean> {
  const res = await db
    .updateTable('orders')
    .set({ next_attempt_at: p.nextDue, updated_at: p.now })
    .where('id', '=', p.parentId)
    .where('next_attempt_at', '=', p.due)
    .where('dispatch_state', '=', 'runs')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Insert run `runIndex` of `parent`: an ordinary queued order without a charge of its own. */
export async function insertRun(
  db: Executor,
  p: { parent: Order; runIndex: number; now: number },
): Promise<void> {
  const { parent, now } = p;
  await db
    .insertInto('orders')
    .values({
      user_id: parent.userId,
      service_id: parent.serviceId,
      type: parent.type,
      link: parent.link,
      quantity: parent.quantity,
      runs: null,
      interval_minutes: null,
      params: parent.params ? JSON.stringify(parent.params) : null,
      rate_units: parent.rateUnits,
      charge_units: 0,
      status: 'pending',
      remains: parent.quantity,
      created_at: now,
      updated_at: now,
      dispatch_state: 'queued',
      provider_id: parent.providerId,
      next_attempt_at: now,
      parent_order_id: parent.id,
      run_index: p.runIndex,
    })
    .execute();
}
