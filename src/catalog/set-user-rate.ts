/** Use case: the operator gives one user their own rate for a service, or removes it (rate null). */

import { findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteUserRate, findService, upsertUserRate } from './services.repo.js';

export async function setUserRate(opts: {
  db: Executor;
  username: string;
  serviceId: number;
  rateUnits: bigint | null;
}): Promise<Result<{ userId: number }, FailureOf<'unknown_user' | 'unknown_service' | 'invalid_service'>>> {
  const { db, serviceId, rateUnits } = opts;
  const user = await findUserByUsername(db, opts.username);
  if (!user) return fail({ code: 'unknown_user' });
  if (!(await findService(db, serviceId, null))) return fail({ code: 'unknown_service' });
  if (rateUnits === null) {
    await deleteUserRate(db, user.id, serviceId);
  } else {
    if (rateUnits < 0n) return fail({ code: 'invalid_service', rule: 'negative_rate' });
    await upsertUserRate(db, user.id, serviceId, rateUnits);
  }
  return ok({ userId: user.id });
}
