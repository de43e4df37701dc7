/** Use case: the operator gives one user their own rate for a service, or removes it (rate null). */

import { findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { fail, ok, type Result } from '../result.js';

export async function setUserRate(opts: {
  db: Executor;
  username: string;
  serviceId: number;
  rateUnits: bigint | null;
}): Promise<Result<{ userId: number }>> {
  const { db, serviceId, rateUnits } = opts;
  const user = await findUserByUsername(db, opts.username);
  if (!user) return fail({ code: 'unknown_user' });
  const service = await db.selectFrom('services').select('id').where('id', '=', serviceId).executeTakeFirst();
  if (!service) return fail({ code: 'unknown_service' });
  if (rateUnits === null) {
    await db
      .deleteFrom('user_rates')
      .where('user_id', '=', user.id)
      .where('service_id', '=', serviceId)
      .execute();
  } else {
    if (rateUnits < 0n) return fail({ code: 'invalid', message: 'rate must not be negative' });
    await db
      .insertInto('user_rates')
      .values({ user_id: user.id, service_id: serviceId, rate_units: rateUnits })
      .onConflict((oc) => oc.columns(['user_id', 'service_id']).doUpdateSet({ rate_units: rateUnits }))
      .execute();
  }
  return ok({ userId: user.id });
}
