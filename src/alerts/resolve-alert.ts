/** Use case: the operator marks an alert as dealt with. */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { resolveAlertById } from './alerts.repo.js';

export async function resolveAlert(opts: {
  db: Executor;
  alertId: number;
  now?: number;
}): Promise<Result<{ alertId: number }, FailureOf<'unknown_alert'>>> {
  const done = await resolveAlertById(opts.db, opts.alertId, opts.now ?? Date.now());
  return done ? ok({ alertId: opts.alertId }) : fail({ code: 'unknown_alert' });
}
