/**
 * Use case: the operator disables a provider (no new order is sent to it; orders it already has are
 * still followed, refills and cancels of them still forwarded) or enables it again. The engine's
 * dispatch skips providers in state `disabled` as it skips `held` ones. Enabling makes it active:
 * orders held for it are queued again (like `resume`) and the engine's probe takes over if it refuses.
 */
import { can } from '../accounts/roles.js';
import { resolveAlertsAbout } from '../alerts/alerts.repo.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { requeueHeld } from '../orders/dispatch.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { activateProvider, disableProvider, findProvider } from './providers.repo.js';

export async function setProviderEnabled(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
  enabled: boolean;
  now?: number;
}): Promise<
  Result<
    { id: number; name: string; state: 'active' | 'disabled'; changed: boolean; requeued: number },
    FailureOf<'unknown_provider' | 'conflict' | 'forbidden'>
  >
> {
  const { db, providerId, enabled, actor } = opts;
  if (!can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  return db.transaction().execute(async (tx) => {
    const p = await findProvider(tx, providerId);
    if (!p) return fail({ code: 'unknown_provider' });
    const to = enabled ? 'active' : 'disabled';
    if (p.state === to) return ok({ id: p.id, name: p.name, state: to, changed: false, requeued: 0 });
    const moved = enabled
      ? await activateProvider(tx, { providerId: p.id, from: p.state })
      : await disableProvider(tx, { providerId: p.id, from: p.state, now });
    if (!moved) return fail({ code: 'conflict', reason: 'changed_meanwhile', what: 'provider', id: p.id });
    let requeued = 0;
    if (enabled) requeued = await requeueHeld(tx, { providerId: p.id, now });
    // Disabled, or enabled again after the engine held it (like `resume`): its held alert is dealt with.
    if (!enabled || p.state === 'held')
      await resolveAlertsAbout(tx, { providerId: p.id, kind: 'provider_held' }, now);
    await recordAudit(tx, {
      actor,
      action: enabled ? 'provider.enable' : 'provider.disable',
      subject: { type: 'provider', id: p.id },
      before: { state: p.state },
      after: { state: to, requeued },
      now,
    });
    return ok({ id: p.id, name: p.name, state: to, changed: true, requeued });
  });
}
