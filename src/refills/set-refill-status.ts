/** Use case: the operator (or, later, the engine) moves a refill request along its state machine. */
import type { Executor } from '../db/executor.js';
import { fail, ok, type Result } from '../result.js';
import { canRefillTransition, type RefillStatus } from './refill.state.js';

export async function setRefillStatus(opts: {
  db: Executor;
  refillId: number;
  status: RefillStatus;
  now?: number;
}): Promise<Result<{ refillId: number; from: RefillStatus }>> {
  const { db, refillId, status } = opts;
  const row = await db.selectFrom('refills').select('status').where('id', '=', refillId).executeTakeFirst();
  if (!row) return fail({ code: 'unknown_refill' });
  const from = row.status as RefillStatus;
  if (!canRefillTransition(from, status)) {
    return fail({ code: 'conflict', message: `refill ${refillId} cannot go from ${from} to ${status}` });
  }
  const res = await db
    .updateTable('refills')
    .set({ status, updated_at: opts.now ?? Date.now() })
    .where('id', '=', refillId)
    .where('status', '=', from)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1)
    return fail({ code: 'conflict', message: `refill ${refillId} changed meanwhile` });
  return ok({ refillId, from });
}
