/**
 * Use case: the signed-in customer's own funds history, newest first, a page at a time. Keyset
 * pages by entry id (`before`: the last id of the previous page), so a page never repeats or skips
 * an entry while new ones are appended, and entries with equal timestamps keep a stable order.
 */
import type { Executor } from '../db/executor.js';
import { findEntries } from './ledger.repo.js';
import { type LedgerEntryView, ledgerEntryView } from './list-funds-history.js';

export const FUNDS_PAGE_MAX = 100;

export async function listMyFundsHistory(opts: {
  db: Executor;
  userId: number;
  /** Only entries older than this entry id (the previous page's `nextBefore`). */
  before?: number | undefined;
  /** 1..FUNDS_PAGE_MAX, default 50. */
  limit?: number | undefined;
}): Promise<{ entries: LedgerEntryView[]; nextBefore: number | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), FUNDS_PAGE_MAX);
  // One more than asked tells whether an older page exists without counting.
  const rows = await findEntries(opts.db, { userId: opts.userId, beforeId: opts.before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { entries: page.map(ledgerEntryView), nextBefore: rows.length > limit && last ? last.id : null };
}
