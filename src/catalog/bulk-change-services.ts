/**
 * Use case: staff change several services at once: enable them, disable them, or change their list
 * rate by a percent (the markup rule of money.ts: exact, rounded once half up to 4 decimals; a new
 * rate is the operator's own, kept by re-imports). All or nothing, one audit entry naming every
 * service with its rate or state before and after.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatRate, markupDecimalRate, parseAmount, SCALE } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findServiceRates, setServiceEnabledById, setServiceRate } from './services.repo.js';

/** The lowest rate a percent change may produce: 0.0001 per 1000. */
const MIN_RATE_UNITS = SCALE / 10_000n;

export type BulkChange = { action: 'enable' } | { action: 'disable' } | { action: 'rate'; percent: string };

export interface BulkResult {
  ids: number[];
  /** The services whose state or rate really changed. */
  changed: number[];
  /** New list rates by service id (rate changes only). */
  rates: Record<string, string>;
}

export async function bulkChangeServices(opts: {
  db: Executor;
  actor: Actor;
  serviceIds: number[];
  change: BulkChange;
  now?: number;
}): Promise<
  Result<
    BulkResult,
    FailureOf<'unknown_service' | 'invalid_percent' | 'rate_too_low' | 'bad_request' | 'forbidden'>
  >
> {
  const { actor, change } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const ids = [...new Set(opts.serviceIds)].sort((a, b) => a - b);
  if (ids.length === 0) return fail({ code: 'bad_request' });
  if (change.action === 'rate') {
    const pct = parseAmount(change.percent);
    if (pct === null || pct <= -100n * SCALE || markupDecimalRate('1', change.percent) === null)
      return fail({ code: 'invalid_percent' });
  }
  return inTransaction(opts.db, async (tx) => {
    const rows = await findServiceRates(tx, ids);
    if (rows.length !== ids.length) return fail({ code: 'unknown_service' });
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const changed: number[] = [];
    const rates: Record<string, string> = {};
    if (change.action === 'rate') {
      const next = new Map<number, bigint>();
      for (const r of rows) {
        const rate = markupDecimalRate(formatRate(r.rateUnits), change.percent);
        if (rate === null) return fail({ code: 'invalid_percent' });
        if (rate < MIN_RATE_UNITS) return fail({ code: 'rate_too_low', serviceId: r.id });
        next.set(r.id, rate);
      }
      for (const r of rows) {
        const rate = next.get(r.id) as bigint;
        await setServiceRate(tx, r.id, rate);
        rates[String(r.id)] = formatRate(rate);
        before[String(r.id)] = formatRate(r.rateUnits);
        after[String(r.id)] = formatRate(rate);
        if (rate !== r.rateUnits) changed.push(r.id);
      }
    } else {
      const enabled = change.action === 'enable';
      for (const r of rows) {
        if (r.enabled === enabled) continue;
        await setServiceEnabledById(tx, r.id, enabled);
        before[String(r.id)] = r.enabled;
        after[String(r.id)] = enabled;
        changed.push(r.id);
      }
    }
    await recordAudit(tx, {
      actor,
      action: `services.bulk_${change.action}`,
      subject: { type: 'service', id: ids.join(',') },
      before: change.action === 'rate' ? { rates: before } : { enabled: before },
      after: change.action === 'rate' ? { percent: change.percent, rates: after } : { enabled: after },
      note: `${ids.length} service(s): ${ids.join(', ')}`,
      now: opts.now,
    });
    return ok({ ids, changed, rates });
  });
}
