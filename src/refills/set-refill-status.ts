/**
 * Use case: staff (actor, refills.move, audited) or the engine (SYSTEM, not audited) move a refill
 * request along its state machine.
 */
import { can } from '../accounts/roles.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { canRefillTransition, type RefillStatus } from './refill.state.js';
import { casRefillStatus, findRefillStatus } from './refills.repo.js';

export async function setRefillStatus(opts: {
  db: Executor;
  actor: Actor | System;
  refillId: number;
  status: RefillStatus;
  now?: number;
}): Promise<
  Result<{ refillId: number; from: RefillStatus }, FailureOf<'unknown_refill' | 'conflict' | 'forbidden'>>
> {
  const { db, refillId, status, actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'refills.move')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  return inTransaction(db, (tx) => moveRefill(tx, { actor, refillId, status, now }));
}

async function moveRefill(
  db: Executor,
  opts: { actor: Actor | System; refillId: number; status: RefillStatus; now: number },
): Promise<Result<{ refillId: number; from: RefillStatus }, FailureOf<'unknown_refill' | 'conflict'>>> {
  const { refillId, status, actor } = opts;
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
  if (!(await casRefillStatus(db, { refillId, from, to: status, now: opts.now })))
    return fail({ code: 'conflict', reason: 'changed_meanwhile', what: 'refill', id: refillId });
  if (actor !== 'system')
    await recordAudit(db, {
      actor,
      action: 'refill.set_status',
      subject: { type: 'refill', id: refillId },
      before: { status: from },
      after: { status },
      now: opts.now,
    });
  return ok({ refillId, from });
}
