/**
 * Use case: how many `add` requests one worker process may have in flight at one provider at once
 * (`smm-panel providers set --send-limit N`). The default, 1, protects panels whose balance update is
 * not atomic (SmartPanel-like panels lose money when several adds arrive at the same moment); raise
 * it for panels that cope, to send faster. Each worker process keeps its own count: with W workers, at
 * most W × limit sends are in flight at that provider.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { SEND_LIMIT_MAX, SEND_LIMIT_MIN } from './provider.state.js';
import { updateSendLimit } from './providers.repo.js';

export async function setProviderSendLimit(opts: {
  db: Executor;
  providerId: number;
  limit: number;
}): Promise<
  Result<{ providerId: number; limit: number }, FailureOf<'invalid_send_limit' | 'unknown_provider'>>
> {
  const { db, providerId, limit } = opts;
  if (!Number.isSafeInteger(limit) || limit < SEND_LIMIT_MIN || limit > SEND_LIMIT_MAX) {
    return fail({ code: 'invalid_send_limit', min: SEND_LIMIT_MIN, max: SEND_LIMIT_MAX });
  }
  if (!(await updateSendLimit(db, providerId, limit))) return fail({ code: 'unknown_provider' });
  return ok({ providerId, limit });
}
