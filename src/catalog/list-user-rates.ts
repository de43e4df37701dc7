/**
 * Use case: one user's own rates as staff see them (users.read): each service with its name, the
 * user's rate and the service's list rate, exact decimals per 1000.
 */
import { can } from '../accounts/roles.js';
import { findUserById } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findUserRates } from './services.repo.js';

export interface UserRateView {
  service: number;
  name: string;
  rate: string;
  serviceRate: string;
}

export async function listUserRates(opts: {
  db: Executor;
  actor: Actor;
  userId: number;
}): Promise<Result<{ rates: UserRateView[] }, FailureOf<'forbidden' | 'unknown_user'>>> {
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const u = await findUserById(opts.db, opts.userId);
  if (!u) return fail({ code: 'unknown_user' });
  const rows = await findUserRates(opts.db, u.id);
  return ok({
    rates: rows.map((r) => ({
      service: r.serviceId,
      name: r.name,
      rate: formatRate(r.rateUnits),
      serviceRate: formatRate(r.serviceRateUnits),
    })),
  });
}
