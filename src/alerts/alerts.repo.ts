/**
 * Alerts: what the engine needs the operator to look at (a held provider, an order in review, an
 * upstream answer that made no sense). Raised by the engine, listed and resolved by the operator.
 */
import type { Executor } from '../db/executor.js';

export interface Alert {
  id: number;
  kind: string;
  providerId: number | null;
  orderId: number | null;
  message: string;
  createdAt: number;
  resolvedAt: number | null;
}

/** Record something the operator must look at. */
export async function raiseAlert(
  db: Executor,
  alert: { kind: string; providerId?: number | null; orderId?: number | null; message: string; now?: number },
): Promise<void> {
  await db
    .insertInto('alerts')
    .values({
      kind: alert.kind,
      provider_id: alert.providerId ?? null,
      order_id: alert.orderId ?? null,
      message: alert.message.slice(0, 2000),
      created_at: alert.now ?? Date.now(),
    })
    .execute();
}

/**
 * Record something about one order unless an open alert of the same kind about that order is already
 * waiting for the operator: one impossible upstream answer repeated at every check is one alert while
 * it lasts, not one per check. Once the operator resolves it, the next occurrence is raised again.
 * Whether an alert was raised.
 */
export async function raiseOrderAlertOnce(
  db: Executor,
  alert: { kind: string; providerId?: number | null; orderId: number; message: string; now?: number },
): Promise<boolean> {
  const open = await db
    .selectFrom('alerts')
    .select('id')
    .where('order_id', '=', alert.orderId)
    .where('kind', '=', alert.kind)
    .where('resolved_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  if (open) return false;
  await raiseAlert(db, alert);
  return true;
}

export async function findAlerts(
  db: Executor,
  filter: { includeResolved?: boolean; orderId?: number; limit?: number },
): Promise<Alert[]> {
  let q = db
    .selectFrom('alerts')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 200);
  if (!filter.includeResolved) q = q.where('resolved_at', 'is', null);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
  const rows = await q.execute();
  return rows.map((a) => ({
    id: Number(a.id),
    kind: a.kind,
    providerId: a.provider_id === null ? null : Number(a.provider_id),
    orderId: a.order_id === null ? null : Number(a.order_id),
    message: a.message,
    createdAt: Number(a.created_at),
    resolvedAt: a.resolved_at === null ? null : Number(a.resolved_at),
  }));
}

/** Resolve one open alert; false when there is no open alert with that id. */
export async function resolveAlertById(db: Executor, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('alerts')
    .set({ resolved_at: now })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Resolve the open alerts about one order, or one provider's alerts of one kind. */
export async function resolveAlertsAbout(
  db: Executor,
  about: { orderId: number } | { providerId: number; kind: string },
  now: number,
): Promise<void> {
  let q = db.updateTable('alerts').set({ resolved_at: now }).where('resolved_at', 'is', null);
  q =
    'orderId' in about
      ? q.where('order_id', '=', about.orderId)
      : q.where('provider_id', '=', about.providerId).where('kind', '=', about.kind);
  await q.execute();
}

/** An alert with the name of the provider it is about (null when none, or the provider was removed). */
export interface AlertWithProvider extends Alert {
  providerName: string | null;
}

/**
 * Open or resolved alerts, newest first, a page at a time (`beforeId`: the previous page's last id),
 * with the names of the providers they are about.
 */
export async function findAlertsPage(
  db: Executor,
  filter: { state: 'open' | 'resolved'; beforeId?: number | undefined; limit: number },
): Promise<AlertWithProvider[]> {
  let q = db
    .selectFrom('alerts')
    .leftJoin('providers', 'providers.id', 'alerts.provider_id')
    .select([
      'alerts.id',
      'alerts.kind',
      'alerts.provider_id',
      'alerts.order_id',
      'alerts.message',
      'alerts.created_at',
      'alerts.resolved_at',
      'providers.name as provider_name',
    ])
    .where('alerts.resolved_at', filter.state === 'open' ? 'is' : 'is not', null)
    .orderBy('alerts.id', 'desc')
    .limit(filter.limit);
  if (filter.beforeId !== undefined) q = q.where('alerts.id', '<', filter.beforeId);
  const rows = await q.execute();
  return rows.map((a) => ({
    id: Number(a.id),
    kind: a.kind,
    providerId: a.provider_id === null ? null : Number(a.provider_id),
    providerName: a.provider_name ?? null,
    orderId: a.order_id === null ? null : Number(a.order_id),
    message: a.message,
    createdAt: Number(a.created_at),
    resolvedAt: a.resolved_at === null ? null : Number(a.resolved_at),
  }));
}

/** How many alerts are open. */
export async function countOpenAlerts(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('resolved_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
