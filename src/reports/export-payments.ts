/**
 * Use case: the payments started in a period as CSV (reports.read: admin only; audited as
 * `export.payments`, the period as its note), read a page at a time (keyset on id) while it streams.
 * Amounts are exact decimals; `received` is empty while nothing was confirmed (pending, rejected,
 * expired, failed): unknown, not 0. References are the customer's text and gateway refs the
 * gateway's, so both go through the formula guard like every other cell.
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import type { Result } from '../result.js';
import { type CsvExport, csvExport, type ExportFailure } from './csv-export.js';
import { paymentExportPage } from './reports.repo.js';

const HEADER = [
  'id',
  'created_at',
  'user',
  'method',
  'state',
  'currency',
  'amount',
  'received',
  'credited',
  'reversed',
  'shortfall',
  'reference',
  'gateway_ref',
  'ended_at',
];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function exportPayments(opts: {
  db: Executor;
  actor: Actor;
  from: string | undefined;
  to: string | undefined;
  pageSize?: number;
}): Promise<Result<CsvExport, ExportFailure>> {
  return csvExport({
    ...opts,
    what: 'payments',
    header: HEADER,
    page: paymentExportPage,
    cells: (r) => [
      r.id,
      iso(r.createdAt),
      r.username,
      r.methodName,
      r.state,
      r.currency,
      formatAmount(r.amountUnits),
      r.receivedUnits === null ? null : formatAmount(r.receivedUnits),
      formatAmount(r.creditedUnits),
      formatAmount(r.reversedUnits),
      formatAmount(r.shortfallUnits),
      r.reference,
      r.gatewayRef,
      iso(r.endedAt),
    ],
  });
}
