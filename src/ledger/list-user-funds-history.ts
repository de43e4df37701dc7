/**
 * Use case: one user's funds history as staff see it (users.read), newest first, a page at a time
 * (keyset by entry id like the customer's own history, list-my-funds-history.ts).
 */
import { can } from '../accounts/roles.js';
import { findUserById } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { LedgerEntryView } from './list-funds-history.js';
import { listMyFundsHistory } from './list-my-funds-history.js';

export async function listUserFundsHistory(opts: {
  db: Executor;
  actor: Actor;
  userId: number;
  before?: number | undefined;
  limit?: number | undefined;
}): Promise<
  Result<{ entries: LedgerEntryView[]; nextBefore: number | null }, FailureOf<'forbidden' | 'unknown_user'>>
> {
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const u = await findUserById(opts.db, opts.userId);
  if (!u) return fail({ code: 'unknown_user' });
  return ok(await listMyFundsHistory({ db: opts.db, userId: u.id, before: opts.before, limit: opts.limit }));
}
