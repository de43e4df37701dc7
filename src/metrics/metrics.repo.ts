/** SQL of the metrics read at each scrape: counts by state, the engine's due work, and its age. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';

const num = (v: unknown) => Number(v ?? 0);

/** Customer orders (not drip-feed runs) by status and by dispatch state. */
export async function countOrders(db: Executor) {
  const byStatus = await db
    .selectFrom('orders')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .where('parent_order_id', 'is', null)
    .groupBy('status')
    .execute();
  const byDispatch = await db
    .selectFrom('orders')
    .select((eb) => ['dispatch_state', eb.fn.countAll().as('n')])
    .where('parent_order_id', 'is', null)
    .groupBy('dispatch_state')
    .execute();
  return {
    byStatus: byStatus.map((r) => ({ status: r.status, n: num(r.n) })),
    byDispatch: byDispatch.map((r) => ({ state: r.dispatch_state, n: num(r.n) })),
  };
}

const oldest = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Orders due to be sent (queued and due) and the oldest due time. Literals, so that the plan is
 * orders_queued_idx (migration 0017), not the orders table.
 */
export async function dueSends(db: Executor, p: { now: number }) {
  const send = await db
    .selectFrom('orders')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('next_attempt_at').as('oldest')])
    .where('dispatch_state', '=', sql.lit('queued'))
    .where('next_attempt_at', '<=', p.now)
    .executeTakeFirst();
  return { n: num(send?.n), oldest: oldest(send?.oldest) };
}

/** Status checks that are due, and the oldest: a scrape reads the sync's schedule (order_checks), which holds the active sent orders only. */
export async function dueChecks(db: Executor, p: { now: number }) {
  const check = await db
    .selectFrom('order_checks')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('next_check_at').as('oldest')])
    .where('next_check_at', '<=', p.now)
    .executeTakeFirst();
  return { n: num(check?.n), oldest: oldest(check?.oldest) };
}

export async function countOpenAlerts(db: Executor): Promise<number> {
  const r = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return num(r?.n);
}

export async function countProvidersByState(db: Executor) {
  const rows = await db
    .selectFrom('providers')
    .select((eb) => ['state', eb.fn.countAll().as('n')])
    .groupBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, n: num(r.n) }));
}

/** Cancel requests not yet carried out, and refills still open. */
export async function countOpenRequests(
  db: Executor,
  p: { openRefillStatuses: readonly string[]; activeStatuses: readonly string[] },
) {
  const cancels = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('cancel_requested_at', 'is not', null)
    .where('cancel_state', 'is', null)
    .where('status', 'in', [...p.activeStatuses])
    .executeTakeFirst();
  const refills = await db
    .selectFrom('refills')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', 'in', [...p.openRefillStatuses])
    .executeTakeFirst();
  return { cancels: num(cancels?.n), refills: num(refills?.n) };
}
