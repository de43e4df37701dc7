/**
 * Use case: the catalogue as one caller sees it, as a view every face shows as it is (API v2's
 * `services`, the CLI's `services list`, later the web pages): amounts already formatted exactly,
 * quantities as decimal strings.
 */
import { VersionedCache } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import { formatRate } from '../money.js';
import type { ServiceType } from './service-types.js';
import { listServices as findServices, type Service } from './services.repo.js';

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

/**
 * Each caller's view, kept until the catalogue changes (a service, a category, a user's rate; in this
 * process or another: db/change-version.ts). Shared between requests: read-only.
 */
const views = new VersionedCache<string, readonly ServiceView[]>(5000);

/** `userId` null: the operator's view (list prices); `includeDisabled` adds disabled services. */
export async function listServices(opts: {
  db: Executor;
  userId: number | null;
  includeDisabled?: boolean;
}): Promise<readonly ServiceView[]> {
  const includeDisabled = opts.includeDisabled ?? false;
  return views.get(opts.db, `${opts.userId ?? '-'}:${includeDisabled}`, async () =>
    Object.freeze(view(await findServices(opts.db, opts.userId, includeDisabled))),
  );
}

function view(rows: Service[]): ServiceView[] {
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
