/**
 * What every CSV export does around their rows: check reports.read, read the period, write the audit
 * entry (`export.<what>`, the period as its note; the rows carry customer data), then stream the header
 * and the rows a page at a time (keyset on id), never all at once.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { csvLine } from './csv.js';
import { parseExportPeriod } from './export-period.js';
import type { Period } from './reports.repo.js';

export const EXPORT_PAGE = 500;

export interface CsvExport {
  filename: string;
  /** The header line, then one line per row (each ending CRLF), read page by page. */
  lines: AsyncGenerator<string>;
}

export type ExportFailure = FailureOf<'forbidden' | 'invalid_export_period' | 'export_period_too_long'>;

export async function csvExport<Row extends { id: number }>(opts: {
  db: Executor;
  actor: Actor;
  from: string | undefined;
  to: string | undefined;
  pageSize?: number | undefined;
  /** `orders`, `ledger` or `payments`: the audit action `export.<what>` and the file name. */
  what: string;
  header: readonly string[];
  page: (db: Executor, p: Period & { afterId: number; limit: number }) => Promise<Row[]>;
  cells: (row: Row) => (string | number | null)[];
}): Promise<Result<CsvExport, ExportFailure>> {
  const { db } = opts;
  if (!can(opts.actor.role, 'reports.read')) return fail({ code: 'forbidden' });
  const period = parseExportPeriod(opts.from, opts.to);
  if (!period.ok) return period;
  const p = period.value;
  await recordAudit(db, {
    actor: opts.actor,
    action: `export.${opts.what}`,
    subject: { type: 'export', id: opts.what },
    note: p.label,
  });
  const limit = opts.pageSize ?? EXPORT_PAGE;
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(opts.header);
    let afterId = 0;
    for (;;) {
      const rows = await opts.page(db, { since: p.since, until: p.until, afterId, limit });
      for (const r of rows) yield csvLine(opts.cells(r));
      const last = rows.at(-1);
      if (rows.length < limit || !last) return;
      afterId = last.id;
    }
  }
  return ok({ filename: `${opts.what}-${p.from}-to-${p.to}.csv`, lines: lines() });
}
