/** Reads of the service catalogue, with a user's own rate applied where the operator set one. */
import { type Insertable, sql, type Updateable } from 'kysely';
import { bumpChangeVersion } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import type { ServicesTable } from '../db/schema.js';
import { toUnits } from '../money.js';
import type { ServiceType } from './service-types.js';

export interface Service {
  id: number;
  name: string;
  category: string;
  type: ServiceType;
  rateUnits: bigint;
  minQuantity: bigint;
  maxQuantity: bigint;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  description: string;
  enabled: boolean;
  /** Null: fulfilled by hand by the operator. */
  providerId: number | null;
  providerServiceId: string | null;
  /** Whether the upstream service takes drip-feed itself (otherwise the engine splits the runs). */
  providerDripfeed: boolean;
  /** Days after completion during which refills are accepted; null = the order's lifetime. */
  refillDays: number | null;
}

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
export function toService(row: any): Service {
  return {
    id: Number(row.id),
    name: row.name,
    category: row.category,
    type: row.type as ServiceType,
    rateUnits: toUnits(row.custom_rate ?? row.rate_units),
    minQuantity: toUnits(row.min_quantity),
    maxQuantity: toUnits(row.max_quantity),
    dripfeed: Number(row.dripfeed) === 1,
    refill: Number(row.refill) === 1,
    cancel: Number(row.cancel) === 1,
    description: row.description,
    enabled: Number(row.enabled) === 1,
    providerId: row.provider_id === null ? null : Number(row.provider_id),
    providerServiceId: row.provider_service_id,
    providerDripfeed: Number(row.provider_dripfeed) === 1,
    refillDays: row.refill_days === null ? null : Number(row.refill_days),
  };
}

function baseQuery(db: Executor, userId: number | null) {
  return db
    .selectFrom('services')
    .leftJoin('user_rates', (j) =>
      j.onRef('user_rates.service_id', '=', 'services.id').on('user_rates.user_id', '=', userId ?? -1),
    )
    .selectAll('services')
    .select('user_rates.rate_units as custom_rate');
}

/** One service as `userId` sees it (their own rate if set); null when it does not exist. */
export async function findService(
  db: Executor,
  serviceId: number,
  userId: number | null,
): Promise<Service | null> {
  const row = await baseQuery(db, userId).where('services.id', '=', serviceId).executeTakeFirst();
  return row ? toService(row) : null;
}

/** The catalogue as `userId` sees it; only enabled services unless `includeDisabled`. */
export async function listServices(
  db: Executor,
  userId: number | null,
  includeDisabled = false,
): Promise<Service[]> {
  let q = baseQuery(db, userId);
  if (!includeDisabled) q = q.where('services.enabled', '=', 1);
  const rows = await inCatalogueOrder(q).execute();
  return rows.map(toService);
}

/**
 * The order customers see: categories by position, then services by position, then id. A category
 * without its row (none should be) goes last, by name.
 */
// biome-ignore lint/suspicious/noExplicitAny: any select over services
function inCatalogueOrder<Q extends ReturnType<typeof baseQuery> | any>(q: Q): Q {
  // biome-ignore lint/suspicious/noExplicitAny: the join and order apply to any select over services
  return (q as any)
    .leftJoin('categories', 'categories.name', 'services.category')
    .orderBy(sql`coalesce(categories.position, 2147483647)`)
    .orderBy('services.category')
    .orderBy('services.position')
    .orderBy('services.id');
}

/** Whether the service exists (and now has the given state). */
export async function setServiceEnabledById(db: Executor, id: number, enabled: boolean): Promise<boolean> {
  const r = await db
    .updateTable('services')
    .set({ enabled: enabled ? 1 : 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  await bumpChangeVersion(db);
  return Number(r.numUpdatedRows) === 1;
}

/** A new service goes last in its category; a new category goes last in the catalogue. */
export async function insertService(
  db: Executor,
  values: Omit<Insertable<ServicesTable>, 'position'>,
): Promise<number> {
  await ensureCategory(db, values.category);
  const position = await nextServicePosition(db, values.category);
  const row = await db
    .insertInto('services')
    .values({ ...values, position })
    .returning('id')
    .executeTakeFirstOrThrow();
  await bumpChangeVersion(db);
  return Number(row.id);
}

/** The position after the last service of `category`. */
export async function nextServicePosition(db: Executor, category: string): Promise<number> {
  const row = await db
    .selectFrom('services')
    .select((eb) => eb.fn.max('position').as('last'))
    .where('category', '=', category)
    .executeTakeFirst();
  return Number(row?.last ?? 0) + 1;
}

/** Give `name` a place in the catalogue (last) unless it has one. */
export async function ensureCategory(db: Executor, name: string): Promise<void> {
  const found = await db.selectFrom('categories').select('id').where('name', '=', name).executeTakeFirst();
  if (found) return;
  const row = await db
    .selectFrom('categories')
    .select((eb) => eb.fn.max('position').as('last'))
    .executeTakeFirst();
  await db
    .insertInto('categories')
    .values({ name, position: Number(row?.last ?? 0) + 1 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  await bumpChangeVersion(db);
}

export interface CategoryPlace {
  id: number;
  name: string;
  position: number;
}

/** The categories that hold at least one service (enabled or not), in catalogue order. */
export async function listCategories(db: Executor): Promise<CategoryPlace[]> {
  const rows = await db
    .selectFrom('categories')
    .select(['id', 'name', 'position'])
    .where((eb) =>
      eb.exists(
        eb.selectFrom('services').select('services.id').whereRef('services.category', '=', 'categories.name'),
      ),
    )
    .orderBy('position')
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, position: Number(r.position) }));
}

export async function setCategoryPosition(db: Executor, id: number, position: number): Promise<void> {
  await db.updateTable('categories').set({ position }).where('id', '=', id).execute();
  await bumpChangeVersion(db);
}

/** Rename a category and move its services with it. */
export async function renameCategoryRows(db: Executor, id: number, from: string, to: string): Promise<void> {
  // A row of that name left without services (all moved away) gives way.
  await db.deleteFrom('categories').where('name', '=', to).where('id', '!=', id).execute();
  await db.updateTable('categories').set({ name: to }).where('id', '=', id).execute();
  await db.updateTable('services').set({ category: to }).where('category', '=', from).execute();
  await bumpChangeVersion(db);
}

/** Whether any service is in the category of this name. */
export async function categoryNamed(db: Executor, name: string): Promise<boolean> {
  const row = await db.selectFrom('services').select('id').where('category', '=', name).executeTakeFirst();
  return row !== undefined;
}

/** The services of one category (enabled or not) in catalogue order: id and position. */
export async function servicePlaces(
  db: Executor,
  category: string,
): Promise<{ id: number; position: number }[]> {
  const rows = await db
    .selectFrom('services')
    .select(['id', 'position'])
    .where('category', '=', category)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), position: Number(r.position) }));
}

export async function setServicePosition(db: Executor, id: number, position: number): Promise<void> {
  await db.updateTable('services').set({ position }).where('id', '=', id).execute();
  await bumpChangeVersion(db);
}

/** A service as staff see it: list price, the provider's rate and name, its place. */
export interface StaffServiceRow extends Service {
  position: number;
  providerName: string | null;
  /** The upstream's rate text as the provider answered it; null for manual services. */
  providerRate: string | null;
  rateSetByHand: boolean;
}

/** Every service (enabled or not) in catalogue order, with what staff need beside it. */
export async function listServicesForStaff(db: Executor): Promise<StaffServiceRow[]> {
  const q = baseQuery(db, null)
    .leftJoin('providers', 'providers.id', 'services.provider_id')
    .select('providers.name as provider_name');
  const rows = await inCatalogueOrder(q).execute();
  // biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
  return rows.map((r: any) => ({
    ...toService(r),
    position: Number(r.position),
    providerName: r.provider_name ?? null,
    providerRate: r.provider_rate ?? null,
    rateSetByHand: Number(r.rate_set_by_hand) === 1,
  }));
}

/** The services with these ids that exist, with their list rates. */
export async function findServiceRates(
  db: Executor,
  ids: number[],
): Promise<{ id: number; rateUnits: bigint; enabled: boolean }[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('services')
    .select(['id', 'rate_units', 'enabled'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    rateUnits: toUnits(r.rate_units),
    enabled: Number(r.enabled) === 1,
  }));
}

/** Set the list rate of a service as the operator's own (kept by re-imports). */
export async function setServiceRate(db: Executor, id: number, rateUnits: bigint): Promise<void> {
  await db
    .updateTable('services')
    .set({ rate_units: rateUnits, rate_set_by_hand: 1 })
    .where('id', '=', id)
    .execute();
  await bumpChangeVersion(db);
}

export async function updateServiceRow(
  db: Executor,
  id: number,
  values: Updateable<ServicesTable>,
): Promise<void> {
  await db.updateTable('services').set(values).where('id', '=', id).execute();
  await bumpChangeVersion(db);
}

export async function deleteUserRate(db: Executor, userId: number, serviceId: number): Promise<void> {
  await db
    .deleteFrom('user_rates')
    .where('user_id', '=', userId)
    .where('service_id', '=', serviceId)
    .execute();
  await bumpChangeVersion(db);
}

/** A user's own rate for a service, or null when they pay the service's rate. */
export async function findUserRate(db: Executor, userId: number, serviceId: number): Promise<bigint | null> {
  const row = await db
    .selectFrom('user_rates')
    .select('rate_units')
    .where('user_id', '=', userId)
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  return row ? toUnits(row.rate_units) : null;
}

export async function upsertUserRate(
  db: Executor,
  userId: number,
  serviceId: number,
  rateUnits: bigint,
): Promise<void> {
  await db
    .insertInto('user_rates')
    .values({ user_id: userId, service_id: serviceId, rate_units: rateUnits })
    .onConflict((oc) => oc.columns(['user_id', 'service_id']).doUpdateSet({ rate_units: rateUnits }))
    .execute();
  await bumpChangeVersion(db);
}

/** Our service imported from one upstream service of a provider, if any. */
export async function findImportedService(
  db: Executor,
  providerId: number,
  upstreamId: string,
): Promise<{ id: number; rateSetByHand: boolean } | null> {
  const row = await db
    .selectFrom('services')
    .select(['id', 'rate_set_by_hand'])
    .where('provider_id', '=', providerId)
    .where('provider_service_id', '=', upstreamId)
    .executeTakeFirst();
  return row ? { id: Number(row.id), rateSetByHand: Number(row.rate_set_by_hand) === 1 } : null;
}

/** Our services imported from a provider, with their upstream ids. */
export async function findImportedServices(
  db: Executor,
  providerId: number,
  filter: { enabledOnly: boolean },
): Promise<{ id: number; upstreamId: string }[]> {
  let q = db
    .selectFrom('services')
    .select(['id', 'provider_service_id'])
    .where('provider_id', '=', providerId)
    .where('provider_service_id', 'is not', null);
  if (filter.enabledOnly) q = q.where('enabled', '=', 1);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), upstreamId: String(r.provider_service_id) }));
}

/** Our services imported from a provider, with what a re-import compares (first per upstream id). */
export interface ImportedServiceRow {
  id: number;
  upstreamId: string;
  name: string;
  type: string;
  rateUnits: bigint;
  minQuantity: bigint;
  maxQuantity: bigint;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  providerRate: string | null;
  providerDripfeed: boolean;
  rateSetByHand: boolean;
  enabled: boolean;
}

export async function findImportedServiceRows(
  db: Executor,
  providerId: number,
): Promise<ImportedServiceRow[]> {
  const rows = await db
    .selectFrom('services')
    .selectAll()
    .where('provider_id', '=', providerId)
    .where('provider_service_id', 'is not', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    upstreamId: String(r.provider_service_id),
    name: r.name,
    type: r.type,
    rateUnits: toUnits(r.rate_units),
    minQuantity: toUnits(r.min_quantity),
    maxQuantity: toUnits(r.max_quantity),
    dripfeed: Number(r.dripfeed) === 1,
    refill: Number(r.refill) === 1,
    cancel: Number(r.cancel) === 1,
    providerRate: r.provider_rate,
    providerDripfeed: Number(r.provider_dripfeed) === 1,
    rateSetByHand: Number(r.rate_set_by_hand) === 1,
    enabled: Number(r.enabled) === 1,
  }));
}

/** A user's own rates by service id (empty for the many who pay list prices). */
export async function findUserRateUnits(db: Executor, userId: number): Promise<Map<number, bigint>> {
  const rows = await db
    .selectFrom('user_rates')
    .select(['service_id', 'rate_units'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [Number(r.service_id), toUnits(r.rate_units)]));
}

/** A user's own rates with each service's name and list rate, by service id. */
export async function findUserRates(
  db: Executor,
  userId: number,
): Promise<{ serviceId: number; name: string; rateUnits: bigint; serviceRateUnits: bigint }[]> {
  const rows = await db
    .selectFrom('user_rates')
    .innerJoin('services', 'services.id', 'user_rates.service_id')
    .select([
      'user_rates.service_id',
      'services.name',
      'user_rates.rate_units',
      'services.rate_units as service_rate',
    ])
    .where('user_rates.user_id', '=', userId)
    .orderBy('user_rates.service_id')
    .execute();
  return rows.map((r) => ({
    serviceId: Number(r.service_id),
    name: r.name,
    rateUnits: toUnits(r.rate_units),
    serviceRateUnits: toUnits(r.service_rate),
  }));
}
