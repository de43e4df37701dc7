/**
 * Use case (`smm-panel providers resume`, and the engine when a probe finds our account working): a
 * held provider becomes active again and its held orders are queued to be sent (safe: a refusal means
 * the upstream did not take them). Its `provider_held` alerts are resolved. One transaction. A
 * disabled provider stays disabled: `providers enable` is the way back for it.
 */
import { can } from '../accounts/roles.js';
import { resolveAlertsAbout } from '../alerts/alerts.repo.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { requeueHeld } from '../orders/dispatch.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { activateProvider, findProvider } from './providers.repo.js';

export async function resumeProvider(opts: {
  db: Executor;
  /** Staff (providers.write, audited), or the engine's probe (SYSTEM). */
  actor: Actor | System;
  providerId: number;
  now?: number;
}): Promise<
  Result<{ id: number; requeued: number }, FailureOf<'unknown_provider' | 'provider_disabled' | 'forbidden'>>
> {
  const { db, providerId, actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  return db.transaction().execute(async (tx) => {
    const provider = await findProvider(tx, providerId);
    if (!provider) return fail({ code: 'unknown_provider' });
    if (provider.state === 'disabled') return fail({ code: 'provider_disabled', providerId });
    if (provider.state === 'held') await activateProvider(tx, { providerId, from: 'held' });
    const requeued = await requeueHeld(tx, { providerId, now });
    await resolveAlertsAbout(tx, { providerId, kind: 'provider_held' }, now);
    if (actor !== 'system')
      await recordAudit(tx, {
        actor,
        action: 'provider.resume',
        subject: { type: 'provider', id: providerId },
        before: { state: provider.state },
        after: { state: 'active', requeued },
        now,
      });
    return ok({ id: providerId, requeued });
  });
}
