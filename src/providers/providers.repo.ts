/** Reads and state changes of providers (upstream panels). The upstream key stays inside this module's callers. */
import type { Executor } from '../db/executor.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import { canProviderTransition, type ProviderState, parseProviderState } from './provider.state.js';
import type { UpstreamEndpoint } from './upstream/client.js';

export interface Provider extends UpstreamEndpoint {
  id: number;
  name: string;
  state: ProviderState;
  heldReason: string | null;
  /** When it was held (ms), null when it is not held. */
  heldAt: number | null;
  nextProbeAt: number | null;
  /** Sends in flight at once at this provider, per worker process. */
  sendLimit: number;
}

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
function toProvider(row: any): Provider {
  return {
    id: Number(row.id),
    name: row.name,
    url: row.url,
    apiKey: row.api_key,
    // An unknown state (written by a newer version) is treated as disabled: send nothing.
    state: parseProviderState(row.state) ?? 'disabled',
    heldReason: row.held_reason,
    heldAt: row.held_at === null || row.held_at === undefined ? null : Number(row.held_at),
    nextProbeAt: row.next_probe_at === null ? null : Number(row.next_probe_at),
    sendLimit: Math.max(1, Number(row.send_limit ?? 1)),
  };
}

export async function findProvider(db: Executor, id: number): Promise<Provider | null> {
  const row = await db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toProvider(row) : null;
}

export async function listProviders(db: Executor): Promise<Provider[]> {
  const rows = await db.selectFrom('providers').selectAll().orderBy('id').execute();
  return rows.map(toProvider);
}

export async function updateProviderEndpoint(
  db: Executor,
  id: number,
  endpoint: { url: string; apiKey: string },
): Promise<boolean> {
  const res = await db
    .updateTable('providers')
    .set({ url: endpoint.url, api_key: endpoint.apiKey })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** What still points at a provider: orders that have not ended, and services (enabled or not). */
export async function providerUsage(
  db: Executor,
  id: number,
): Promise<{ openOrders: number; services: number }> {
  const orders = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('provider_id', '=', id)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .executeTakeFirstOrThrow();
  const services = await db
    .selectFrom('services')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('provider_id', '=', id)
    .executeTakeFirstOrThrow();
  return { openOrders: Number(orders.n), services: Number(services.n) };
}

/**
 * Delete a provider row. Ended orders keep its id as history (provider_id has no foreign key), their
 * names then shown as unknown; alerts about it are kept too.
 */
export async function deleteProvider(db: Executor, id: number): Promise<boolean> {
  const res = await db.deleteFrom('providers').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

function assertMove(from: ProviderState, to: ProviderState): void {
  if (!canProviderTransition(from, to)) throw new Error(`provider state cannot go from ${from} to ${to}`);
}

/** Compare-and-set active -> held, with the reason and the first probe time. Whether it moved. */
export async function holdProvider(
  db: Executor,
  p: { providerId: number; reason: string; now: number; nextProbeAt: number },
): Promise<boolean> {
  assertMove('active', 'held');
  const r = await db
    .updateTable('providers')
    .set({ state: 'held', held_reason: p.reason.slice(0, 500), held_at: p.now, next_probe_at: p.nextProbeAt })
    .where('id', '=', p.providerId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Compare-and-set `from` -> active (held after a probe or the operator; disabled when enabled). */
export async function activateProvider(
  db: Executor,
  p: { providerId: number; from: ProviderState },
): Promise<boolean> {
  assertMove(p.from, 'active');
  const r = await db
    .updateTable('providers')
    .set({ state: 'active', held_reason: null, held_at: null, next_probe_at: null })
    .where('id', '=', p.providerId)
    .where('state', '=', p.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Compare-and-set `from` -> disabled (for the operator's `providers disable`). */
export async function disableProvider(
  db: Executor,
  p: { providerId: number; from: ProviderState; now: number },
): Promise<boolean> {
  assertMove(p.from, 'disabled');
  const r = await db
    .updateTable('providers')
    .set({ state: 'disabled', next_probe_at: null })
    .where('id', '=', p.providerId)
    .where('state', '=', p.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Lease the next probe of a held provider: of several workers, one asks it. Whether it is ours. */
export async function leaseProbe(db: Executor, providerId: number, nextProbeAt: number): Promise<boolean> {
  const r = await db
    .updateTable('providers')
    .set({ next_probe_at: nextProbeAt })
    .where('id', '=', providerId)
    .where('state', '=', 'held')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function updateSendLimit(db: Executor, providerId: number, limit: number): Promise<boolean> {
  const r = await db
    .updateTable('providers')
    .set({ send_limit: limit })
    .where('id', '=', providerId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertProvider(
  db: Executor,
  values: { name: string; url: string; api_key: string; created_at: number },
): Promise<number> {
  const row = await db.insertInto('providers').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Per provider: how many of our services point at it and how many of its orders have not ended. */
export async function providerUsageAll(
  db: Executor,
): Promise<Map<number, { openOrders: number; services: number }>> {
  const out = new Map<number, { openOrders: number; services: number }>();
  const entry = (id: number) => {
    let e = out.get(id);
    if (!e) {
      e = { openOrders: 0, services: 0 };
      out.set(id, e);
    }
    return e;
  };
  const services = await db
    .selectFrom('services')
    .select(['provider_id', (eb) => eb.fn.countAll().as('n')])
    .where('provider_id', 'is not', null)
    .groupBy('provider_id')
    .execute();
  for (const r of services) entry(Number(r.provider_id)).services = Number(r.n);
  const orders = await db
    .selectFrom('orders')
    .select(['provider_id', (eb) => eb.fn.countAll().as('n')])
    .where('provider_id', 'is not', null)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .groupBy('provider_id')
    .execute();
  for (const r of orders) entry(Number(r.provider_id)).openOrders = Number(r.n);
  return out;
}

/** Our services that point at a provider, with the provider's service id each is linked to. */
export async function servicesLinkedTo(
  db: Executor,
  providerId: number,
): Promise<{ id: number; name: string; enabled: boolean; providerServiceId: string | null }[]> {
  const rows = await db
    .selectFrom('services')
    .select(['id', 'name', 'enabled', 'provider_service_id'])
    .where('provider_id', '=', providerId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    enabled: Number(r.enabled) === 1,
    providerServiceId: r.provider_service_id,
  }));
}
