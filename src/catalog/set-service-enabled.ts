/** Use case: the operator enables or disables a service (a disabled one is hidden and takes no orders). */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findService, setServiceEnabledById } from './services.repo.js';

export async function setServiceEnabled(opts: {
  db: Executor;
  actor: Actor;
  serviceId: number;
  enabled: boolean;
  now?: number;
}): Promise<Result<{ id: number; enabled: boolean }, FailureOf<'unknown_service' | 'forbidden'>>> {
  const { actor, serviceId, enabled } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const found = await inTransaction(opts.db, async (tx) => {
    const before = await findService(tx, serviceId, null);
    if (!before || !(await setServiceEnabledById(tx, serviceId, enabled))) return false;
    await recordAudit(tx, {
      actor,
      action: enabled ? 'service.enable' : 'service.disable',
      subject: { type: 'service', id: serviceId },
      before: { enabled: before.enabled },
      after: { enabled },
      now: opts.now,
    });
    return true;
  });
  if (!found) return fail({ code: 'unknown_service' });
  return ok({ id: opts.serviceId, enabled: opts.enabled });
}
