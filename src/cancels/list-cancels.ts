/**
 * Use case (`smm-panel cancels list`): the orders whose customer cancel is in one state: `requested`
 * (waiting for the engine or, for orders fulfilled by hand, the operator), `forwarded`, `refused` by
 * the provider (its message in `lastError`), or `done`. Newest first.
 */
import type { Executor } from '../db/executor.js';
import type { Order } from '../orders/orders.repo.js';
import { fail, ok, type Result } from '../result.js';
import { CANCEL_STATES, type CancelState } from './cancel.state.js';
import { findOrdersByCancelState } from './cancels.repo.js';

export async function listCancels(opts: {
  db: Executor;
  state: string;
  limit?: number;
}): Promise<Result<{ state: Exclude<CancelState, 'none'>; orders: Order[] }>> {
  const state = opts.state.trim().toLowerCase();
  if (state === 'none' || !(CANCEL_STATES as readonly string[]).includes(state))
    return fail({ code: 'invalid', message: 'state must be one of requested, forwarded, refused, done' });
  const s = state as Exclude<CancelState, 'none'>;
  const orders = await findOrdersByCancelState(opts.db, { state: s, limit: opts.limit ?? 100 });
  return ok({ state: s, orders });
}
