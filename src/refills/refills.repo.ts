/** Reads of refill requests. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { OPEN_REFILL_STATUSES, type RefillStatus } from './refill.state.js';

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
  filter: { orderId?: number; openOnly?: boolean; limit: number },
): Promise<RefillRow[]> {
  let q = db
    .selectFrom('refills')
    .innerJoin('users', 'users.id', 'refills.user_id')
    .selectAll('refills')
    .select('users.username');
  if (filter.orderId !== undefined) q = q.where('refills.order_id', '=', filter.orderId);
  if (filter.openOnly) q = q.where('refills.status', 'in', [...OPEN_REFILL_STATUSES]);
  const rows = await q
    .orderBy(sql`case when refills.status in (${sql.join([...OPEN_REFILL_STATUSES])}) then 0 else 1 end`)
    .orderBy('refills.id', 'desc')
    .limit(filter.limit)
    .execute();
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
