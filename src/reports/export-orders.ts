/**
 * Use case: the orders placed in a period as CSV (reports.read: admin only; the rows carry customer
 * data, so each export is written to the audit log, `export.orders`, the period as its note). The
 * rows are read a page at a time (keyset on id) while the answer streams, never all at once.
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { API_STATUS, type OrderStatus } from '../orders/order.state.js';
import type { Result } from '../result.js';
import { type CsvExport, csvExport, type ExportFailure } from './csv-export.js';
import { orderExportPage } from './reports.repo.js';

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

export function exportOrders(opts: {
  db: Executor;
  actor: Actor;
  from: string | undefined;
  to: string | undefined;
  pageSize?: number;
}): Promise<Result<CsvExport, ExportFailure>> {
  return csvExport({
    ...opts,
    what: 'orders',
    header: HEADER,
    page: orderExportPage,
    cells: (r) => [
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
    ],
  });
}
