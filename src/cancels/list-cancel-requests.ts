/**
 * Use case: the cancel requests still waiting (their order has not ended), oldest first. Staff (the
 * admin area) need orders.read; the CLI passes no actor.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { API_STATUS } from '../orders/order.state.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type CancelRequestRow, findWaitingCancelRequests } from './cancels.repo.js';

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
  return rows.map(cancelRequestView);
}

/** The same list for staff (orders.read). */
export async function listCancelRequestsForStaff(opts: {
  db: Executor;
  actor: Actor;
  limit?: number | undefined;
}): Promise<Result<CancelRequestView[], FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'orders.read')) return fail({ code: 'forbidden' });
  return ok(await listCancelRequests(opts));
}

function cancelRequestView(r: CancelRequestRow): CancelRequestView {
  return {
    order: r.orderId,
    username: r.username,
    service: r.serviceName,
    status: API_STATUS[r.status],
    requestedAt: new Date(r.requestedAt).toISOString(),
    state: r.cancelState ?? 'waiting',
  };
}
