/**
 * Use case: the catalogue as staff see it (services.read: admin only), grouped by category in the
 * order customers see, each service with its list rate, the provider's rate and name, and its state.
 * Disabled services are included; amounts are exact decimal strings.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency } from '../settings/settings.js';
import type { ServiceType } from './service-types.js';
import { listCategories, listServicesForStaff } from './services.repo.js';

export interface StaffService {
  id: number;
  name: string;
  type: ServiceType;
  category: string;
  rate: string;
  /** The provider's rate per 1000 as it answered (any decimals); null for a manual service. */
  providerRate: string | null;
  providerId: number | null;
  providerName: string | null;
  providerServiceId: string | null;
  rateSetByHand: boolean;
  min: string;
  max: string;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  refillDays: number | null;
  description: string;
  enabled: boolean;
}

export interface StaffCategory {
  id: number;
  name: string;
  services: StaffService[];
}

export async function browseServices(opts: {
  db: Executor;
  actor: Actor;
}): Promise<Result<{ currency: string; categories: StaffCategory[] }, FailureOf<'forbidden'>>> {
  const { db, actor } = opts;
  if (!can(actor.role, 'services.read')) return fail({ code: 'forbidden' });
  const categories: StaffCategory[] = (await listCategories(db)).map((c) => ({
    id: c.id,
    name: c.name,
    services: [],
  }));
  const byName = new Map(categories.map((c) => [c.name, c]));
  for (const s of await listServicesForStaff(db)) {
    let group = byName.get(s.category);
    if (!group) {
      // Only a category written around the use cases lacks its row; show it last rather than hide it.
      group = { id: 0, name: s.category, services: [] };
      byName.set(s.category, group);
      categories.push(group);
    }
    group.services.push({
      id: s.id,
      name: s.name,
      type: s.type,
      category: s.category,
      rate: formatRate(s.rateUnits),
      providerRate: s.providerRate,
      providerId: s.providerId,
      providerName: s.providerName,
      providerServiceId: s.providerServiceId,
      rateSetByHand: s.rateSetByHand,
      min: s.minQuantity.toString(),
      max: s.maxQuantity.toString(),
      dripfeed: s.dripfeed,
      refill: s.refill,
      cancel: s.cancel,
      refillDays: s.refillDays,
      description: s.description,
      enabled: s.enabled,
    });
  }
  return ok({ currency: await getCurrency(db), categories });
}
