/**
 * One service as a customer sees it (their own rate where one is set), for pricing an order: kept per
 * customer and service until the catalogue changes (db/change-version.ts), so placing an order reads
 * no catalogue row from the database while nothing changed. Shared between requests: read-only.
 */
import { VersionedCache } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import { findService, type Service } from './services.repo.js';

const services = new VersionedCache<string, Readonly<Service> | null>(20_000);

export function findServiceAsSeenBy(
  db: Executor,
  serviceId: number,
  userId: number,
): Promise<Readonly<Service> | null> {
  return services.get(db, `${userId}:${serviceId}`, async () => {
    const s = await findService(db, serviceId, userId);
    return s ? Object.freeze(s) : null;
  });
}
