/**
 * Use case: refill requests as the operator sees them (open ones first), so they learn the ids. The
 * admin area's queue pages them newest first (`paged`, `beforeId`), optionally of one status; staff
 * need orders.read (the CLI passes no actor).
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { API_REFILL_STATUS, type RefillStatus } from './refill.state.js';
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

/** A page of refill requests, newest first; `nextBeforeId` continues it (null: the last page). */
export async function browseRefills(opts: {
  db: Executor;
  actor: Actor;
  /** `open`: Pending and In progress. */
  status?: RefillStatus | 'open' | undefined;
  beforeId?: number | undefined;
  limit: number;
}): Promise<Result<{ refills: RefillView[]; nextBeforeId: number | null }, FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'orders.read')) return fail({ code: 'forbidden' });
  const rows = await findRefills(opts.db, {
    openOnly: opts.status === 'open',
    status: opts.status === 'open' ? undefined : opts.status,
    beforeId: opts.beforeId,
    newestFirst: true,
    limit: opts.limit,
  });
  const last = rows.at(-1);
  return ok({
    refills: rows.map(refillView),
    nextBeforeId: rows.length === opts.limit && last ? last.id : null,
  });
}
