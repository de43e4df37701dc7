/**
 * Use case: staff move a service one place up or down within its category, or to a place (1 =
 * first), changing the order customers see in API v2 `services` and the web catalogue.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type MoveTo, reorder } from './positions.js';
import { findService, servicePlaces, setServicePosition } from './services.repo.js';

export async function moveService(opts: {
  db: Executor;
  actor: Actor;
  serviceId: number;
  to: MoveTo;
  now?: number;
}): Promise<
  Result<
    { id: number; position: number; changed: boolean },
    FailureOf<'unknown_service' | 'invalid_position' | 'forbidden'>
  >
> {
  const { actor, serviceId, to } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  return inTransaction(opts.db, async (tx) => {
    const service = await findService(tx, serviceId, null);
    if (!service) return fail({ code: 'unknown_service' });
    const siblings = await servicePlaces(tx, service.category);
    const ids = siblings.map((s) => s.id);
    const order = reorder(ids, serviceId, to);
    if (!Array.isArray(order)) return fail({ code: 'invalid_position', max: order.max });
    for (const [i, id] of order.entries()) {
      if (siblings.find((s) => s.id === id)?.position !== i + 1) await setServicePosition(tx, id, i + 1);
    }
    const before = ids.indexOf(serviceId);
    const after = order.indexOf(serviceId);
    if (after !== before)
      await recordAudit(tx, {
        actor,
        action: 'service.move',
        subject: { type: 'service', id: serviceId },
        before: { category: service.category, position: before + 1 },
        after: { category: service.category, position: after + 1 },
        now: opts.now,
      });
    return ok({ id: serviceId, position: after + 1, changed: after !== before });
  });
}
