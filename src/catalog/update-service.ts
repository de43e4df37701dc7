/** Use case: the operator changes a service (price, limits, flags, refill window, fulfilment). */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { brokenServiceRule, serviceColumns, validRefillDays } from './service-rules.js';
import { ensureCategory, findService, nextServicePosition, updateServiceRow } from './services.repo.js';

export interface ServiceChanges {
  name?: string;
  category?: string;
  rateUnits?: bigint;
  min?: bigint;
  max?: bigint;
  dripfeed?: boolean;
  refill?: boolean;
  cancel?: boolean;
  description?: string;
  /** Days after completion for refills; null = lifetime. */
  refillDays?: number | null;
  /** Make the service manual (operator fulfils it by hand). */
  manual?: boolean;
}

export async function updateService(opts: {
  db: Executor;
  actor: Actor;
  serviceId: number;
  changes: ServiceChanges;
  now?: number;
}): Promise<Result<{ id: number }, FailureOf<'unknown_service' | 'invalid_service' | 'forbidden'>>> {
  const { db, serviceId, changes: c, actor } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const current = await findService(db, serviceId, null);
  if (!current) return fail({ code: 'unknown_service' });
  const merged = {
    name: c.name ?? current.name,
    category: c.category ?? current.category,
    type: current.type,
    rateUnits: c.rateUnits ?? current.rateUnits,
    min: c.min ?? current.minQuantity,
    max: c.max ?? current.maxQuantity,
    dripfeed: c.dripfeed ?? current.dripfeed,
    refill: c.refill ?? current.refill,
    cancel: c.cancel ?? current.cancel,
    description: c.description ?? current.description,
  };
  const rule = brokenServiceRule(merged);
  if (rule) return fail({ code: 'invalid_service', rule, type: merged.type });
  if (c.refillDays !== undefined && !validRefillDays(c.refillDays)) {
    return fail({ code: 'invalid_service', rule: 'refill_days_range' });
  }
  const columns = serviceColumns(merged);
  await inTransaction(db, async (tx) => {
    // A service moved to another category goes last there (a new category goes last in the catalogue).
    let moved = {};
    if (columns.category !== current.category) {
      await ensureCategory(tx, columns.category);
      moved = { position: await nextServicePosition(tx, columns.category) };
    }
    await updateServiceRow(tx, serviceId, {
      ...columns,
      ...moved,
      ...(c.refillDays !== undefined ? { refill_days: c.refillDays } : {}),
      // A rate the operator sets survives re-imports (services import --overwrite-rates replaces it).
      ...(c.rateUnits !== undefined ? { rate_set_by_hand: 1 } : {}),
      ...(c.manual
        ? { provider_id: null, provider_service_id: null, provider_rate: null, provider_dripfeed: 0 }
        : {}),
    });
    // Only what the operator asked to change, before and after.
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const was: Record<string, unknown> = {
      name: current.name,
      category: current.category,
      rateUnits: current.rateUnits,
      min: current.minQuantity,
      max: current.maxQuantity,
      dripfeed: current.dripfeed,
      refill: current.refill,
      cancel: current.cancel,
      description: current.description,
      refillDays: current.refillDays,
      manual: current.providerId === null,
    };
    for (const [k, v] of Object.entries(c)) {
      // manual: false means "leave it", not "make it provider-fulfilled".
      if (v === undefined || v === was[k] || (k === 'manual' && !v)) continue;
      const name = k === 'rateUnits' ? 'rate' : k;
      before[name] = k === 'rateUnits' ? formatRate(was[k] as bigint) : was[k];
      after[name] = k === 'rateUnits' ? formatRate(v as bigint) : v;
    }
    await recordAudit(tx, {
      actor,
      action: 'service.update',
      subject: { type: 'service', id: serviceId },
      before,
      after,
      now: opts.now,
    });
  });
  return ok({ id: serviceId });
}
