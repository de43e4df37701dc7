/** Use case: the providers as the operator sees them. The view never holds the key. */
import type { Executor } from '../db/executor.js';
import { listProviders as findProviders, type Provider } from './providers.repo.js';

export interface ProviderView {
  id: number;
  name: string;
  url: string;
  /** active; held (our account there refused: funds, key); disabled (by the operator: no new sends). */
  state: Provider['state'];
  heldReason: string | null;
  /** `add` requests one worker sends to it at the same moment. */
  sendLimit: number;
}

export async function listProviders(opts: { db: Executor }): Promise<ProviderView[]> {
  return (await findProviders(opts.db)).map((p) => ({
    id: p.id,
    name: p.name,
    url: p.url,
    state: p.state,
    heldReason: p.heldReason,
    sendLimit: p.sendLimit,
  }));
}
