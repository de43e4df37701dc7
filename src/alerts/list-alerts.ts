/** Use case: the alerts the operator should look at (open ones, or all with `includeResolved`). */
import type { Executor } from '../db/executor.js';
import { type Alert, findAlerts } from './alerts.repo.js';

export async function listAlerts(opts: { db: Executor; includeResolved?: boolean }): Promise<Alert[]> {
  return findAlerts(opts.db, { includeResolved: opts.includeResolved ?? false });
}
