/** Reads of providers (upstream panels). The upstream key stays inside this module's callers. */
import type { Executor } from '../db/executor.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import type { UpstreamEndpoint } from './upstream-client.js';

export interface Provider extends UpstreamEndpoint {
  id: number;
  name: string;
  /** held: our account there refused (the engine probes it); disabled: the operator stopped new sends. */
  state: 'active' | 'held' | 'disabled';
  heldReason: string | null;
  nextProbeAt: number | null;
}

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
function toProvider(row: any): Provider {
  return {
    id: Number(row.id),
    name: row.name,
    url: row.url,
    apiKey: row.api_key,
    state: row.state === 'held' || row.state === 'disabled' ? row.state : 'active',
    heldReason: row.held_reason,
    nextProbeAt: row.next_probe_at === null ? null : Number(row.next_probe_at),
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

/** Set a provider's state if it is in one of `from`; false when it is not (or does not exist). */
export async function setProviderState(
  db: Executor,
  id: number,
  to: Provider['state'],
  from: readonly Provider['state'][],
): Promise<boolean> {
  const res = await db
    .updateTable('providers')
    .set({ state: to, held_reason: null, held_at: null, next_probe_at: null })
    .where('id', '=', id)
    .where('state', 'in', [...from])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
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
