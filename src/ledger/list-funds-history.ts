/**
 * Use case: a user's funds history, every ledger entry newest first, as a view: time, kind, signed
 * amount, balance after, order, note.
 */
import { findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findEntries, type LedgerEntry, type LedgerKind } from './ledger.repo.js';

export interface LedgerEntryView {
  id: number;
  at: string;
  kind: LedgerKind;
  /** Signed: negative for a charge or a deduction. */
  amount: string;
  balanceAfter: string;
  order: number | null;
  note: string | null;
}

export function ledgerEntryView(e: LedgerEntry): LedgerEntryView {
  return {
    id: e.id,
    at: new Date(e.createdAt).toISOString(),
    kind: e.kind,
    amount: formatAmount(e.amountUnits),
    balanceAfter: formatAmount(e.balanceAfterUnits),
    order: e.orderId,
    note: e.note,
  };
}

export async function listFundsHistory(opts: {
  db: Executor;
  username: string;
  limit?: number | undefined;
}): Promise<
  Result<
    { userId: number; username: string; balance: string; entries: LedgerEntryView[] },
    FailureOf<'unknown_user'>
  >
> {
  const u = await findUserByUsername(opts.db, opts.username);
  if (!u) return fail({ code: 'unknown_user' });
  const entries = await findEntries(opts.db, { userId: u.id, limit: opts.limit ?? 100 });
  return ok({
    userId: u.id,
    username: u.username,
    balance: formatAmount(u.balanceUnits),
    entries: entries.map(ledgerEntryView),
  });
}
