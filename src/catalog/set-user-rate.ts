/** Use case: the operator gives one user their own rate for a service, or removes it (rate null). */

import { can } from '../accounts/roles.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteUserRate, findService, findUserRate, upsertUserRate } from './services.repo.js';

export async function setUserRate(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  serviceId: number;
  rateUnits: bigint | null;
  now?: number;
}): Promise<
  Result<{ userId: number }, FailureOf<'unknown_user' | 'unknown_service' | 'invalid_service' | 'forbidden'>>
> {
  const { db, serviceId, rateUnits, actor } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const user = await findUserByUsername(db, opts.username);
  if (!user) return fail({ code: 'unknown_user' });
  if (!(await findService(db, serviceId, null))) return fail({ code: 'unknown_service' });
  if (rateUnits !== null && rateUnits < 0n) return fail({ code: 'invalid_service', rule: 'negative_rate' });
  await inTransaction(db, async (tx) => {
    const before = await findUserRate(tx, user.id, serviceId);
    if (rateUnits === null) await deleteUserRate(tx, user.id, serviceId);
    else await upsertUserRate(tx, user.id, serviceId, rateUnits);
    await recordAudit(tx, {
      actor,
      action: rateUnits === null ? 'rates.clear' : 'rates.set',
      subject: { type: 'user', id: user.id },
      before: { service: serviceId, rate: before === null ? null : formatRate(before) },
      after: { service: serviceId, rate: rateUnits === null ? null : formatRate(rateUnits) },
      now: opts.now,
    });
  });
  return ok({ userId: user.id });
}
