/**
 * Use case: the orders placed in a period as CSV (reports.read: admin only; the rows carry customer
 * data, so each export is written to the audit log, `export.orders`, the period as its note). The
 * rows are read a page at a time (keyset on id) while the answer streams, never all at once.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { API_STATUS, type OrderStatus } from '../orders/order.state.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { csvLine } from './csv.js';
import { parseExportPeriod } from './export-period.js';
import { orderExportPage } from './reports.repo.js';

export const EXPORT_PAGE = 500;

export interface CsvExport {
  filename: string;
  /** The header line, then one line per row (each ending CRLF), read page by page. */
  lines: AsyncGenerator<string>;
}

const HEADER = [
  'order_id',
  'created_at',
  'user_id',
  'username',
  'service_id',
  'service',
  'type',
  'link',
  'quantity',
  'status',
  'charge',
  'refunded',
  'provider',
  'provider_order_id',
  'provider_cost',
  'dispatch_state',
  'parent_order_id',
  'finished_at',
];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function exportOrders(opts: {
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
    action: 'export.orders',
    subject: { type: 'export', id: 'orders' },
    note: p.label,
  });
  const limit = opts.pageSize ?? EXPORT_PAGE;
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(HEADER);
    let afterId = 0;
    for (;;) {
      const rows = await orderExportPage(db, { since: p.since, until: p.until, afterId, limit });
      for (const r of rows)
        yield csvLine([
          r.id,
          iso(r.createdAt),
          r.userId,
          r.username,
          r.serviceId,
          r.serviceName,
          r.type,
          r.link,
          r.quantity.toString(),
          API_STATUS[r.status as OrderStatus] ?? r.status,
          formatAmount(r.chargeUnits),
          formatAmount(r.refundedUnits),
          r.providerName,
          r.providerOrderId,
          // Empty when the provider did not say: unknown, not 0.
          r.providerChargeUnits === null ? null : formatAmount(r.providerChargeUnits),
          r.dispatchState,
          r.parentOrderId,
          iso(r.finishedAt),
        ]);
      const last = rows.at(-1);
      if (rows.length < limit || !last) return;
      afterId = last.id;
    }
  }
  return ok({ filename: `orders-${p.from}-to-${p.to}.csv`, lines: lines() });
}
