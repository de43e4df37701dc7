/**
 * Use case: the ledger entries written in a period as CSV (reports.read: admin only; audited as
 * `export.ledger`, the period as its note), read a page at a time (keyset on id) while it streams.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { csvLine } from './csv.js';
import { type CsvExport, EXPORT_PAGE } from './export-orders.js';
import { parseExportPeriod } from './export-period.js';
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

export async function exportLedger(opts: {
  db: Executor;
  actor: Actor;
  from: string | undefined;
  to: string | undefined;
  pageSize?: number;
}): Promise<Result<CsvExport, FailureOf<'forbidden' | 'invalid_export_period' | 'export_period_too_long'>>> {
  const { db } = opts;
  if (!can(opts.actor.role, 'reports.read')) return fail({ code: 'forbidden' });
  const period = parseExportPeriod(opts.from, opts.to);
  if (!period.ok) return period;
  const p = period.value;
  await recordAudit(db, {
    actor: opts.actor,
    action: 'export.ledger',
    subject: { type: 'export', id: 'ledger' },
    note: p.label,
  });
  const limit = opts.pageSize ?? EXPORT_PAGE;
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(HEADER);
    let afterId = 0;
    for (;;) {
      const rows = await ledgerExportPage(db, { since: p.since, until: p.until, afterId, limit });
      for (const r of rows)
        yield csvLine([
          r.id,
          new Date(r.createdAt).toISOString(),
          r.userId,
          r.username,
          r.kind,
          formatAmount(r.amountUnits),
          formatAmount(r.balanceAfterUnits),
          r.orderId,
          r.note,
        ]);
      const last = rows.at(-1);
      if (rows.length < limit || !last) return;
      afterId = last.id;
    }
  }
  return ok({ filename: `ledger-${p.from}-to-${p.to}.csv`, lines: lines() });
}
