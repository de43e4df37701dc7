/**
 * Use case: staff look at the providers (the admin area's Providers page): each with its state, why
 * and since when it is held, its send limit, and how many of our services and open orders use it.
 * Admin only (providers.write: the page that changes them is the only one that shows them). The view
 * never holds the key.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { ProviderState } from './provider.state.js';
import {
  findProvider,
  listProviders,
  type Provider,
  providerUsage,
  providerUsageAll,
} from './providers.repo.js';

export interface StaffProviderView {
  id: number;
  name: string;
  url: string;
  state: ProviderState;
  heldReason: string | null;
  heldAt: string | null;
  sendLimit: number;
  /** Our services that send to it. */
  services: number;
  /** Its orders that have not ended. */
  openOrders: number;
}

function view(p: Provider, usage: { services: number; openOrders: number } | undefined): StaffProviderView {
  return {
    id: p.id,
    name: p.name,
    url: p.url,
    state: p.state,
    heldReason: p.heldReason,
    heldAt: p.heldAt === null ? null : new Date(p.heldAt).toISOString(),
    sendLimit: p.sendLimit,
    services: usage?.services ?? 0,
    openOrders: usage?.openOrders ?? 0,
  };
}

export async function browseProviders(opts: {
  db: Executor;
  actor: Actor;
}): Promise<Result<StaffProviderView[], FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  const [providers, usage] = [await listProviders(opts.db), await providerUsageAll(opts.db)];
  return ok(providers.map((p) => view(p, usage.get(p.id))));
}

export async function inspectProvider(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
}): Promise<Result<StaffProviderView, FailureOf<'forbidden' | 'unknown_provider'>>> {
  if (!can(opts.actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  const p = await findProvider(opts.db, opts.providerId);
  if (!p) return fail({ code: 'unknown_provider' });
  return ok(view(p, await providerUsage(opts.db, p.id)));
}
