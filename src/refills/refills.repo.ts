/** Reads of refill requests. */
import type { Executor } from '../db/executor.js';
import type { RefillStatus } from './refill.state.js';

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
