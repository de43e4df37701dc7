/** Reads of the service catalogue, with a user's own rate applied where the operator set one. */
import type { Insertable, Updateable } from 'kysely';
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
  const rows = await q.orderBy('services.category').orderBy('services.id').execute();
  return rows.map(toService);
}

/** Whether the service exists (and now has the given state). */
export async function setServiceEnabledById(db: Executor, id: number, enabled: boolean): Promise<boolean> {
  const r = await db
    .updateTable('services')
    .set({ enabled: enabled ? 1 : 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertService(db: Executor, values: Insertable<ServicesTable>): Promise<number> {
  const row = await db.insertInto('services').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateServiceRow(
  db: Executor,
  id: number,
  values: Updateable<ServicesTable>,
): Promise<void> {
  await db.updateTable('services').set(values).where('id', '=', id).execute();
}

export async function deleteUserRate(db: Executor, userId: number, serviceId: number): Promise<void> {
  await db
    .deleteFrom('user_rates')
    .where('user_id', '=', userId)
    .where('service_id', '=', serviceId)
    .execute();
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
