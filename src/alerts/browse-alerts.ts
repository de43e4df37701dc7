/**
 * Use case: staff go through the alerts (the admin area's Alerts page): open or resolved ones, newest
 * first, a page at a time, each with the provider's name and the order it is about. Admin only
 * (alerts.resolve: who may deal with them is who sees them). Also says how many are open.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { countOpenAlerts, findAlertsPage } from './alerts.repo.js';

export interface StaffAlertView {
  id: number;
  kind: string;
  message: string;
  providerId: number | null;
  providerName: string | null;
  orderId: number | null;
  createdAt: string;
  resolvedAt: string | null;
}

export async function browseAlerts(opts: {
  db: Executor;
  actor: Actor;
  state: 'open' | 'resolved';
  beforeId?: number | undefined;
  limit: number;
}): Promise<
  Result<{ alerts: StaffAlertView[]; open: number; nextBeforeId: number | null }, FailureOf<'forbidden'>>
> {
  if (!can(opts.actor.role, 'alerts.resolve')) return fail({ code: 'forbidden' });
  const rows = await findAlertsPage(opts.db, {
    state: opts.state,
    beforeId: opts.beforeId,
    limit: opts.limit + 1,
  });
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return ok({
    alerts: page.map((a) => ({
      id: a.id,
      kind: a.kind,
      message: a.message,
      providerId: a.providerId,
      providerName: a.providerName,
      orderId: a.orderId,
      createdAt: new Date(a.createdAt).toISOString(),
      resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
    })),
    open: await countOpenAlerts(opts.db),
    nextBeforeId: rows.length > opts.limit && last ? last.id : null,
  });
}
