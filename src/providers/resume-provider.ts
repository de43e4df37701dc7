/**
 * Use case: after topping up our balance at a held provider or fixing the key, send its held orders
 * again (safe: a refusal means the upstream did not take them). A disabled provider stays disabled:
 * `providers enable` is the way back for it.
 *
 * The engine's probe (worker/held.ts) does the same when the provider answers again.
 */
import { resolveAlertsAbout } from '../alerts/alerts.repo.js';
import type { Executor } from '../db/executor.js';
import { requeueHeldOrders } from '../orders/orders.repo.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findProvider, setProviderState } from './providers.repo.js';

export async function resumeProvider(opts: {
  db: Executor;
  providerId: number;
  now?: number;
}): Promise<Result<{ id: number; requeued: number }, FailureOf<'unknown_provider' | 'provider_disabled'>>> {
  const { db, providerId } = opts;
  const now = opts.now ?? Date.now();
  return db.transaction().execute(async (tx) => {
    const p = await findProvider(tx, providerId);
    if (!p) return fail({ code: 'unknown_provider' });
    if (p.state === 'disabled') return fail({ code: 'provider_disabled', providerId });
    await setProviderState(tx, providerId, 'active', ['active', 'held']);
    const requeued = await requeueHeldOrders(tx, providerId, now);
    await resolveAlertsAbout(tx, { providerId, kind: 'provider_held' }, now);
    return ok({ id: providerId, requeued });
  });
}
