/**
 * Use case: the operator removes a provider. Refused while an order with it has not ended (the engine
 * still follows it) or a service points at it (new orders would have nowhere to go): the failure says
 * how many of each.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteProvider, findProvider, providerUsage } from './providers.repo.js';

export async function removeProvider(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
  now?: number;
}): Promise<
  Result<{ id: number; name: string }, FailureOf<'unknown_provider' | 'provider_in_use' | 'forbidden'>>
> {
  const { db, providerId, actor } = opts;
  if (!can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  return db.transaction().execute(async (tx) => {
    const p = await findProvider(tx, providerId);
    if (!p) return fail({ code: 'unknown_provider' });
    const usage = await providerUsage(tx, providerId);
    if (usage.openOrders > 0 || usage.services > 0) return fail({ code: 'provider_in_use', ...usage });
    await deleteProvider(tx, providerId);
    await recordAudit(tx, {
      actor,
      action: 'provider.remove',
      subject: { type: 'provider', id: providerId },
      before: { name: p.name, url: p.url, state: p.state },
      now: opts.now,
    });
    return ok({ id: p.id, name: p.name });
  });
}
