/** Use case: the operator enables or disables a service (a disabled one is hidden and takes no orders). */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { setServiceEnabledById } from './services.repo.js';

export async function setServiceEnabled(opts: {
  db: Executor;
  serviceId: number;
  enabled: boolean;
}): Promise<Result<{ id: number; enabled: boolean }, FailureOf<'unknown_service'>>> {
  const found = await setServiceEnabledById(opts.db, opts.serviceId, opts.enabled);
  if (!found) return fail({ code: 'unknown_service' });
  return ok({ id: opts.serviceId, enabled: opts.enabled });
}
