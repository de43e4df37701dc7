/**
 * Use case: the catalogue as one caller sees it, as a view every face shows as it is (API v2's
 * `services`, the CLI's `services list`, later the web pages): amounts already formatted exactly,
 * quantities as decimal strings.
 */
import { VersionedCache } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import { formatRate } from '../money.js';
import type { ServiceType } from './service-types.js';
import { listServices as findServices, findUserRateUnits, type Service } from './services.repo.js';

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
 * The list-price views (enabled services; all services), kept until the catalogue changes (a service, a
 * category, a user's rate; in this process or another: db/change-version.ts). Shared between requests
 * and callers: read-only.
 */
const listViews = new VersionedCache<boolean, readonly ServiceView[]>(2);
/** Each customer's own rates (most have none: they share the list-price view). */
const ownRates = new VersionedCache<number, ReadonlyMap<number, bigint>>(50_000);
/**
 * Views of customers with rates of their own. Few customers have them; each view is as large as the
 * catalogue, so at most this many are kept (the map starts again when full). A view is used only while
 * the list-price view and the rates it was made from are the ones current now (both come from the
 * versioned caches above), so it can never mix an old catalogue with new rates or the reverse.
 */
const MAX_OWN_VIEWS = 200;
const ownViews = new Map<
  string,
  { list: readonly ServiceView[]; rates: ReadonlyMap<number, bigint>; view: readonly ServiceView[] }
>();

/** `userId` null: the operator's view (list prices); `includeDisabled` adds disabled services. */
export async function listServices(opts: {
  db: Executor;
  userId: number | null;
  includeDisabled?: boolean;
}): Promise<readonly ServiceView[]> {
  const { db, userId } = opts;
  const includeDisabled = opts.includeDisabled ?? false;
  const list = await listViews.get(db, includeDisabled, async () =>
    Object.freeze(view(await findServices(db, null, includeDisabled))),
  );
  if (userId === null) return list;
  const rates = await ownRates.get(db, userId, () => findUserRateUnits(db, userId));
  if (rates.size === 0 || !list.some((s) => rates.has(s.id))) return list;
  const key = `${userId}:${includeDisabled}`;
  const kept = ownViews.get(key);
  if (kept && kept.list === list && kept.rates === rates) return kept.view;
  const own = Object.freeze(
    list.map((s) => {
      const rate = rates.get(s.id);
      return rate === undefined ? s : Object.freeze({ ...s, rate: formatRate(rate) });
    }),
  );
  if (ownViews.size >= MAX_OWN_VIEWS && !ownViews.has(key)) ownViews.clear();
  ownViews.set(key, { list, rates, view: own });
  return own;
}

function view(rows: Service[]): ServiceView[] {
  return rows.map((s) =>
    Object.freeze({
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
    }),
  );
}
