/**
 * Use cases: staff ask a saved provider for our balance there, or for its services side by side with
 * ours that are linked to them (the admin area's provider page). Read-only upstream calls; admin only
 * (providers.write). A provider that does not answer is a failure with its own words.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getProviderBalance, getProviderServices, type ProviderCallFailure } from './provider-queries.js';
import { findProvider, servicesLinkedTo } from './providers.repo.js';

type Refusal = ProviderCallFailure | FailureOf<'forbidden'>;

export async function askProviderBalance(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
}): Promise<Result<{ balance: string; currency: string | null }, Refusal>> {
  if (!can(opts.actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  return getProviderBalance({ db: opts.db, providerId: opts.providerId });
}

export interface LinkedService {
  id: number;
  name: string;
  enabled: boolean;
}

export interface UpstreamServiceView {
  /** The provider's service id. */
  service: string;
  name: string;
  category: string;
  type: string;
  /** The provider's rate per 1000, as it wrote it. */
  rate: string;
  min: string;
  max: string;
  dripfeed: boolean;
  refill: boolean;
  cancel: boolean;
  /** Our services sending to this one. */
  linked: LinkedService[];
}

export async function askProviderServices(opts: { db: Executor; actor: Actor; providerId: number }): Promise<
  Result<
    {
      services: UpstreamServiceView[];
      /** Entries of its list that could not be read. */
      skipped: number;
      /** Ours linked to a service id the provider no longer lists (or to none). */
      orphans: (LinkedService & { providerServiceId: string | null })[];
    },
    Refusal
  >
> {
  if (!can(opts.actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  if (!(await findProvider(opts.db, opts.providerId))) return fail({ code: 'unknown_provider' });
  const r = await getProviderServices({ db: opts.db, providerId: opts.providerId });
  if (!r.ok) return r;
  const ours = await servicesLinkedTo(opts.db, opts.providerId);
  const byUpstream = new Map<string, LinkedService[]>();
  for (const s of ours) {
    if (s.providerServiceId === null) continue;
    const list = byUpstream.get(s.providerServiceId) ?? [];
    list.push({ id: s.id, name: s.name, enabled: s.enabled });
    byUpstream.set(s.providerServiceId, list);
  }
  const listed = new Set<string>();
  const services = r.value.services.map((s): UpstreamServiceView => {
    const id = String(s.service);
    listed.add(id);
    return {
      service: id,
      name: s.name,
      category: s.category,
      type: s.type,
      rate: String(s.rate),
      min: s.min.toString(),
      max: s.max.toString(),
      dripfeed: s.dripfeed,
      refill: s.refill,
      cancel: s.cancel,
      linked: byUpstream.get(id) ?? [],
    };
  });
  const orphans = ours
    .filter((s) => s.providerServiceId === null || !listed.has(s.providerServiceId))
    .map((s) => ({ id: s.id, name: s.name, enabled: s.enabled, providerServiceId: s.providerServiceId }));
  return ok({ services, skipped: r.value.skipped, orphans });
}
