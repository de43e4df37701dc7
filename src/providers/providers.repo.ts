/** Reads of providers (upstream panels). The upstream key stays inside this module's callers. */
import type { Executor } from '../db/executor.js';
import type { UpstreamEndpoint } from './upstream/client.js';

export interface Provider extends UpstreamEndpoint {
  id: number;
  name: string;
  state: 'active' | 'held';
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
    state: row.state === 'held' ? 'held' : 'active',
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
