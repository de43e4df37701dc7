/**
 * Use case: the web panel's catalogue. A signed-in customer sees their own rates; a visitor who is
 * not signed in sees the list prices, but only when the operator made the services public
 * (`settings set --public-services on`), else no_session.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency, isPublicServices } from '../settings/settings.js';
import { listServices, type ServiceView } from './list-services.js';

export async function listCatalogue(opts: {
  db: Executor;
  /** The signed-in customer, or null for a visitor. */
  userId: number | null;
}): Promise<
  Result<
    { currency: string; services: Omit<ServiceView, 'enabled' | 'providerId'>[] },
    FailureOf<'no_session'>
  >
> {
  const { db, userId } = opts;
  if (userId === null && !(await isPublicServices(db))) return fail({ code: 'no_session' });
  const list = await listServices({ db, userId });
  return ok({
    currency: await getCurrency(db),
    services: list.map(({ enabled: _e, providerId: _p, ...s }) => s),
  });
}
