/**
 * Use case: how many `add` requests one worker process may have in flight at one provider at once
 * (`smm-panel providers set --send-limit N`). The default, 1, protects panels whose balance update is
 * not atomic (SmartPanel-like panels lose money when several adds arrive at the same moment); raise
 * it for panels that cope, to send faster. Each worker process keeps its own count: with W workers, at
 * most W × limit sends are in flight at that provider.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { SEND_LIMIT_MAX, SEND_LIMIT_MIN } from './provider.state.js';
import { findProvider, updateSendLimit } from './providers.repo.js';

export async function setProviderSendLimit(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
  limit: number;
  now?: number;
}): Promise<
  Result<
    { providerId: number; limit: number },
    FailureOf<'invalid_send_limit' | 'unknown_provider' | 'forbidden'>
  >
> {
  const { db, providerId, limit, actor } = opts;
  if (!can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  if (!Number.isSafeInteger(limit) || limit < SEND_LIMIT_MIN || limit > SEND_LIMIT_MAX) {
    return fail({ code: 'invalid_send_limit', min: SEND_LIMIT_MIN, max: SEND_LIMIT_MAX });
  }
  const found = await inTransaction(db, async (tx) => {
    const p = await findProvider(tx, providerId);
    if (!p || !(await updateSendLimit(tx, providerId, limit))) return false;
    await recordAudit(tx, {
      actor,
      action: 'provider.send_limit',
      subject: { type: 'provider', id: providerId },
      before: { sendLimit: p.sendLimit },
      after: { sendLimit: limit },
      now: opts.now,
    });
    return true;
  });
  if (!found) return fail({ code: 'unknown_provider' });
  return ok({ providerId, limit });
}
