/**
 * Use case: the catalogue as one caller sees it, as a view every face shows as it is (API v2's
 * `services`, the CLI's `services list`, later the web pages): amounts already formatted exactly,
 * quantities as decimal strings.
 */
import type { Executor } from '../db/executor.js';
import { formatRate } from '../money.js';
import type { ServiceType } from './service-types.js';
import { listServices as findServices } from './services.repo.js';

export interface ServiceView {
  id: number;
  name: string;
  type: ServiceType;
  category: string;
  /** Price per 1000 in the panel currency, exact (the caller's own rate where one is set). */
  rate: string;
  min: string;
  max: string;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  description: string;
  enabled: boolean;
  providerId: number | null;
}

/** `userId` null: the operator's view (list prices); `includeDisabled` adds disabled services. */
export async function listServices(opts: {
  db: Executor;
  userId: number | null;
  includeDisabled?: boolean;
}): Promise<ServiceView[]> {
  const rows = await findServices(opts.db, opts.userId, opts.includeDisabled ?? false);
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    type: s.type,
    category: s.category,
    rate: formatRate(s.rateUnits),
    min: s.minQuantity.toString(),
    max: s.maxQuantity.toString(),
    dripfeed: s.dripfeed,
    refill: s.refill,
    cancel: s.cancel,
    description: s.description,
    enabled: s.enabled,
    providerId: s.providerId,
  }));
}
