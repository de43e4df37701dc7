/** Use case: the operator (or, later, the engine) moves a refill request along its state machine. */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { canRefillTransition, type RefillStatus } from './refill.state.js';
import { casRefillStatus, findRefillStatus } from './refills.repo.js';

export async function setRefillStatus(opts: {
  db: Executor;
  refillId: number;
  status: RefillStatus;
  now?: number;
}): Promise<Result<{ refillId: number; from: RefillStatus }, FailureOf<'unknown_refill' | 'conflict'>>> {
  const { db, refillId, status } = opts;
  const from = await findRefillStatus(db, refillId);
  if (from === null) return fail({ code: 'unknown_refill' });
  if (!canRefillTransition(from, status)) {
    return fail({
      code: 'conflict',
      reason: 'forbidden_transition',
      what: 'refill',
      id: refillId,
      from,
      to: status,
    });
  }
  if (!(await casRefillStatus(db, { refillId, from, to: status, now: opts.now ?? Date.now() })))
    return fail({ code: 'conflict', reason: 'changed_meanwhile', what: 'refill', id: refillId });
  return ok({ refillId, from });
}
