/** Use case: the operator defines a service of the catalogue. */
export type { ServiceInput };

import { can } from '../accounts/roles.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { brokenServiceRule, type ServiceInput, serviceColumns } from './service-rules.js';
import { insertService } from './services.repo.js';

export async function createService(opts: {
  db: Executor;
  /** Staff (services.write, audited), or SYSTEM for the demo and tests' fixtures. */
  actor: Actor | System;
  input: ServiceInput;
  now?: number;
}): Promise<Result<{ id: number }, FailureOf<'invalid_service' | 'forbidden'>>> {
  const { db, input, actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  const rule = brokenServiceRule(input);
  if (rule) return fail({ code: 'invalid_service', rule, type: input.type });
  // A rate the operator sets survives re-imports (services import --overwrite-rates replaces it).
  const id = await inTransaction(db, async (tx) => {
    const id = await insertService(tx, { ...serviceColumns(input), rate_set_by_hand: 1, created_at: now });
    if (actor !== 'system')
      await recordAudit(tx, {
        actor,
        action: 'service.create',
        subject: { type: 'service', id },
        after: { ...input, rateUnits: undefined, rate: formatRate(input.rateUnits) },
        now,
      });
    return id;
  });
  return ok({ id });
}
