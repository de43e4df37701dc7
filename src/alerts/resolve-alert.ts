/** Use case: the operator marks an alert as dealt with. */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { resolveAlertById } from './alerts.repo.js';

export async function resolveAlert(opts: {
  db: Executor;
  actor: Actor;
  alertId: number;
  /** Why or how it was dealt with (kept in the audit entry). */
  note?: string | undefined;
  now?: number;
}): Promise<Result<{ alertId: number }, FailureOf<'unknown_alert' | 'forbidden'>>> {
  const { actor, alertId } = opts;
  if (!can(actor.role, 'alerts.resolve')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  const done = await inTransaction(opts.db, async (tx) => {
    if (!(await resolveAlertById(tx, alertId, now))) return false;
    await recordAudit(tx, {
      actor,
      action: 'alert.resolve',
      subject: { type: 'alert', id: alertId },
      before: { resolved: false },
      after: { resolved: true },
      note: opts.note?.trim() || null,
      now,
    });
    return true;
  });
  return done ? ok({ alertId: opts.alertId }) : fail({ code: 'unknown_alert' });
}
