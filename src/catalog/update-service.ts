/** Use case: the operator changes a service (price, limits, flags, refill window, fulfilment). */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { brokenServiceRule, serviceColumns, validRefillDays } from './service-rules.js';
import { findService, updateServiceRow } from './services.repo.js';

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
  serviceId: number;
  changes: ServiceChanges;
}): Promise<Result<{ id: number }, FailureOf<'unknown_service' | 'invalid_service'>>> {
  const { db, serviceId, changes: c } = opts;
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
  await updateServiceRow(db, serviceId, {
    ...serviceColumns(merged),
    ...(c.refillDays !== undefined ? { refill_days: c.refillDays } : {}),
    // A rate the operator sets survives re-imports (services import --overwrite-rates replaces it).
    ...(c.rateUnits !== undefined ? { rate_set_by_hand: 1 } : {}),
    ...(c.manual
      ? { provider_id: null, provider_service_id: null, provider_rate: null, provider_dripfeed: 0 }
      : {}),
  });
  return ok({ id: serviceId });
}
