/** Use case: the cancel requests still waiting (their order has not ended), oldest first. */
import type { Executor } from '../db/executor.js';
import { API_STATUS } from '../orders/order.state.js';
import { findWaitingCancelRequests } from './cancels.repo.js';

export interface CancelRequestView {
  order: number;
  username: string;
  service: string | null;
  /** The order's status as the API shows it. */
  status: string;
  requestedAt: string;
  /** waiting (not yet acted on), or the engine's state with the provider (forwarded, refused, ...). */
  state: string;
}

export async function listCancelRequests(opts: {
  db: Executor;
  limit?: number | undefined;
}): Promise<CancelRequestView[]> {
  const rows = await findWaitingCancelRequests(opts.db, opts.limit ?? 100);
  return rows.map((r) => ({
    order: r.orderId,
    username: r.username,
    service: r.serviceName,
    status: API_STATUS[r.status],
    requestedAt: new Date(r.requestedAt).toISOString(),
    state: r.cancelState ?? 'waiting',
  }));
}
