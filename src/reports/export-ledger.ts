/**
 * Use case: the ledger entries written in a period as CSV (reports.read: admin only; audited as
 * `export.ledger`, the period as its note), read a page at a time (keyset on id) while it streams.
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import type { Result } from '../result.js';
import { type CsvExport, csvExport, type ExportFailure } from './csv-export.js';
import { ledgerExportPage } from './reports.repo.js';

const HEADER = [
  'entry_id',
  'created_at',
  'user_id',
  'username',
  'kind',
  'amount',
  'balance_after',
  'order_id',
  'note',
];

export function exportLedger(opts: {
  db: Executor;
  actor: Actor;
  from: string | undefined;
  to: string | undefined;
  pageSize?: number;
}): Promise<Result<CsvExport, ExportFailure>> {
  return csvExport({
    ...opts,
    what: 'ledger',
    header: HEADER,
    page: ledgerExportPage,
    cells: (r) => [
      r.id,
      new Date(r.createdAt).toISOString(),
      r.userId,
      r.username,
      r.kind,
      formatAmount(r.amountUnits),
      formatAmount(r.balanceAfterUnits),
      r.orderId,
      r.note,
    ],
  });
}
