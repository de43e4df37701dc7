/** Use case: the signed-in customer's own funds history, newest first (the latest `limit`, default 100). */
import type { Executor } from '../db/executor.js';
import { findEntries } from './ledger.repo.js';
import { type LedgerEntryView, ledgerEntryView } from './list-funds-history.js';

export async function listMyFundsHistory(opts: {
  db: Executor;
  userId: number;
  limit?: number | undefined;
}): Promise<{ entries: LedgerEntryView[] }> {
  const entries = await findEntries(opts.db, { userId: opts.userId, limit: opts.limit ?? 100 });
  return { entries: entries.map(ledgerEntryView) };
}
