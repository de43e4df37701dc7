/** Use case: the operator defines a service of the catalogue. */
export type { ServiceInput };

import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { brokenServiceRule, type ServiceInput, serviceColumns } from './service-rules.js';
import { insertService } from './services.repo.js';

export async function createService(opts: {
  db: Executor;
  input: ServiceInput;
  now?: number;
}): Promise<Result<{ id: number }, FailureOf<'invalid_service'>>> {
  const { db, input } = opts;
  const rule = brokenServiceRule(input);
  if (rule) return fail({ code: 'invalid_service', rule, type: input.type });
  // A rate the operator sets survives re-imports (services import --overwrite-rates replaces it).
  const id = await insertService(db, {
    ...serviceColumns(input),
    rate_set_by_hand: 1,
    created_at: opts.now ?? Date.now(),
  });
  return ok({ id });
}
