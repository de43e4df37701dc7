/** Use case: refill requests as the operator sees them (open ones first), so they learn the ids. */
import type { Executor } from '../db/executor.js';
import { API_REFILL_STATUS } from './refill.state.js';
import { findRefills, type RefillRow } from './refills.repo.js';

export interface RefillView {
  id: number;
  order: number;
  username: string;
  /** As the API shows it: Pending, In progress, Completed, Rejected, Canceled. */
  status: string;
  /** Where the request stands with the provider (manual: the operator handles it). */
  forwarding: string;
  upstreamRefill: string | null;
  error: string | null;
  createdAt: string;
}

export function refillView(r: RefillRow): RefillView {
  return {
    id: r.id,
    order: r.orderId,
    username: r.username,
    status: API_REFILL_STATUS[r.status],
    forwarding: r.forwardState,
    upstreamRefill: r.providerRefillId,
    error: r.lastError,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

export async function listRefills(opts: {
  db: Executor;
  openOnly?: boolean | undefined;
  limit?: number | undefined;
}): Promise<RefillView[]> {
  const rows = await findRefills(opts.db, { openOnly: !!opts.openOnly, limit: opts.limit ?? 100 });
  return rows.map(refillView);
}
