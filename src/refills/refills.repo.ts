/** Refill requests: reads, the status compare-and-set, and forwarding to the provider. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { OPEN_REFILL_STATUSES, type RefillStatus } from './refill.state.js';
import { assertRefillForwardTransition, type RefillForwardState } from './refill-forward.state.js';

export interface Refill {
  id: number;
  orderId: number;
  userId: number;
  status: RefillStatus;
}

/** Several of one user's refills by id; another user's are simply not found. */
export async function findUserRefills(
  db: Executor,
  userId: number,
  ids: number[],
): Promise<Map<number, Refill>> {
  const out = new Map<number, Refill>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('refills')
    .select(['id', 'order_id', 'user_id', 'status'])
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .execute();
  for (const r of rows) {
    out.set(Number(r.id), {
      id: Number(r.id),
      orderId: Number(r.order_id),
      userId: Number(r.user_id),
      status: r.status as RefillStatus,
    });
  }
  return out;
}

/** Of these orders, the ids of those with an open refill (pending or in progress). */
export async function findOrdersWithOpenRefill(db: Executor, orderIds: number[]): Promise<Set<number>> {
  if (orderIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('refills')
    .select('order_id')
    .where('order_id', 'in', orderIds)
    .where('status', 'in', [...OPEN_REFILL_STATUSES])
    .execute();
  return new Set(rows.map((r) => Number(r.order_id)));
}

export interface RefillRow extends Refill {
  username: string;
  forwardState: string;
  providerRefillId: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Refill requests for the operator: open ones first, then newest first; or those of one order. */
export async function findRefills(
  db: Executor,
  filter: {
    orderId?: number;
    openOnly?: boolean;
    status?: RefillStatus | undefined;
    /** Keyset pages, newest first (no open-first order): only refills with a smaller id. */
    beforeId?: number | undefined;
    newestFirst?: boolean;
    limit: number;
  },
): Promise<RefillRow[]> {
  let q = db
    .selectFrom('refills')
    .innerJoin('users', 'users.id', 'refills.user_id')
    .selectAll('refills')
    .select('users.username');
  if (filter.orderId !== undefined) q = q.where('refills.order_id', '=', filter.orderId);
  if (filter.openOnly) q = q.where('refills.status', 'in', [...OPEN_REFILL_STATUSES]);
  if (filter.status !== undefined) q = q.where('refills.status', '=', filter.status);
  if (filter.beforeId !== undefined) q = q.where('refills.id', '<', filter.beforeId);
  if (!filter.newestFirst)
    q = q.orderBy(
      sql`case when refills.status in (${sql.join([...OPEN_REFILL_STATUSES])}) then 0 else 1 end`,
    );
  const rows = await q.orderBy('refills.id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    orderId: Number(r.order_id),
    userId: Number(r.user_id),
    status: r.status as RefillStatus,
    username: r.username,
    forwardState: r.forward_state,
    providerRefillId: r.provider_refill_id,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}

/** One customer's refills, newest first, a page at a time (keyset: only ids below `beforeId`). */
export async function findCustomerRefills(
  db: Executor,
  filter: { userId: number; orderId?: number | undefined; beforeId?: number | undefined; limit: number },
): Promise<{ id: number; orderId: number; status: RefillStatus; createdAt: number; updatedAt: number }[]> {
  let q = db
    .selectFrom('refills')
    .select(['id', 'order_id', 'status', 'created_at', 'updated_at'])
    .where('user_id', '=', filter.userId);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    orderId: Number(r.order_id),
    status: r.status as RefillStatus,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}

// ---- forwarding to the provider (refill-forward.state.ts) and the status compare-and-set ----------

/** Queued refills due to be forwarded, with the order's provider and upstream order id. */
export async function findRefillsToForward(
  db: Executor,
  p: { now: number; limit: number },
): Promise<{ id: number; providerId: number | null; upstreamOrder: string | null }[]> {
  const rows = await db
    .selectFrom('refills')
    .innerJoin('orders', 'orders.id', 'refills.order_id')
    .select([
      'refills.id as id',
      'orders.provider_id as providerId',
      'orders.provider_order_id as upstreamOrder',
    ])
    .where('refills.forward_state', '=', 'queued')
    .where('refills.next_check_at', '<=', p.now)
    .orderBy('refills.id')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    providerId: r.providerId === null ? null : Number(r.providerId),
    upstreamOrder: r.upstreamOrder,
  }));
}

/** Lease a queued refill until `until`: another worker skips it meanwhile. Whether it is ours. */
export async function leaseRefillForward(
  db: Executor,
  p: { refillId: number; now: number; until: number },
): Promise<boolean> {
  const r = await db
    .updateTable('refills')
    .set({ next_check_at: p.until })
    .where('id', '=', p.refillId)
    .where('forward_state', '=', 'queued')
    .where('next_check_at', '<=', p.now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** queued -> `to` (sent, closed, manual), with what goes with it. Whether it moved. */
export async function moveRefillForward(
  db: Executor,
  p: {
    refillId: number;
    to: RefillForwardState;
    set?: { provider_refill_id?: string; next_check_at?: number | null; last_error?: string | null };
  },
): Promise<boolean> {
  assertRefillForwardTransition('queued', p.to);
  const r = await db
    .updateTable('refills')
    .set({ ...p.set, forward_state: p.to })
    .where('id', '=', p.refillId)
    .where('forward_state', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A forward that got no usable answer: ask again at `at`, the error kept. */
export async function retryRefillForwardAt(
  db: Executor,
  p: { refillId: number; at: number; error: string },
): Promise<void> {
  await db
    .updateTable('refills')
    .set({ next_check_at: p.at, last_error: p.error })
    .where('id', '=', p.refillId)
    .execute();
}

/** A provider's forwarded, open refills whose check is due, the most overdue first. */
export async function findForwardedRefillsDue(
  db: Executor,
  p: { providerId: number; now: number; limit: number },
): Promise<{ id: number; status: RefillStatus; upstream: string | null }[]> {
  const rows = await db
    .selectFrom('refills')
    .innerJoin('orders', 'orders.id', 'refills.order_id')
    .select(['refills.id as id', 'refills.status as status', 'refills.provider_refill_id as upstream'])
    .where('orders.provider_id', '=', p.providerId)
    // Literals, so that the plan is refills_open_forwarded_idx (migration 0017), not every refill
    // ever forwarded (an ended refill stays `sent` with its last check time).
    .where('refills.forward_state', '=', sql.lit('sent'))
    .where(
      'refills.status',
      'in',
      OPEN_REFILL_STATUSES.map((s) => sql.lit(s)),
    )
    .where('refills.next_check_at', '<=', p.now)
    .orderBy('refills.next_check_at')
    .limit(p.limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), status: r.status as RefillStatus, upstream: r.upstream }));
}

export async function checkRefillsAgainAt(
  db: Executor,
  p: { refillIds: number[]; at: number },
): Promise<void> {
  if (p.refillIds.length === 0) return;
  await db.updateTable('refills').set({ next_check_at: p.at }).where('id', 'in', p.refillIds).execute();
}

export async function findRefillStatus(db: Executor, refillId: number): Promise<RefillStatus | null> {
  const row = await db.selectFrom('refills').select('status').where('id', '=', refillId).executeTakeFirst();
  return row ? (row.status as RefillStatus) : null;
}

/** Compare-and-set of a refill's status (set-refill-status.ts checks the move against refill.state.ts). */
export async function casRefillStatus(
  db: Executor,
  p: { refillId: number; from: RefillStatus; to: RefillStatus; now: number },
): Promise<boolean> {
  const r = await db
    .updateTable('refills')
    .set({ status: p.to, updated_at: p.now })
    .where('id', '=', p.refillId)
    .where('status', '=', p.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * A new pending refill; `queued` to be forwarded to the order's provider now, or `manual`. Throws a
 * unique violation when the order already has an open refill (the partial unique index).
 */
export async function insertRefill(
  db: Executor,
  p: { orderId: number; userId: number; now: number; forwardState: 'queued' | 'manual' },
): Promise<number> {
  const row = await db
    .insertInto('refills')
    .values({
      order_id: p.orderId,
      user_id: p.userId,
      status: 'pending',
      created_at: p.now,
      updated_at: p.now,
      forward_state: p.forwardState,
      next_check_at: p.forwardState === 'queued' ? p.now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}
