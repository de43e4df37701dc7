/** Use cases: ask a provider for its balance and its services (read-only upstream calls). */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { findProvider } from './providers.repo.js';
import {
  balanceAnswer,
  parseAnswer,
  refusal,
  serviceAnswer,
  servicesAnswer,
  type UpstreamService,
} from './upstream/answers.js';
import { callUpstream, type UpstreamEndpoint } from './upstream/client.js';
import { upstreamParams } from './upstream/params.js';

/** What a call to a provider can fail with. */
export type ProviderCallFailure = FailureOf<
  'unknown_provider' | 'provider_unreachable' | 'provider_refused' | 'provider_bad_answer'
>;

/** A provider as the checks need it: where to call, with which key, and a name for messages. */
export interface NamedEndpoint extends UpstreamEndpoint {
  name: string;
}

async function callEndpoint(
  endpoint: NamedEndpoint,
  params: Record<string, string>,
): Promise<Result<unknown, ProviderCallFailure>> {
  const out = await callUpstream(endpoint, params, 20_000);
  if (out.kind !== 'ok')
    return fail({ code: 'provider_unreachable', provider: endpoint.name, error: out.error });
  const refused = refusal.safeParse(out.body);
  if (refused.success) {
    return fail({ code: 'provider_refused', provider: endpoint.name, message: refused.data.error });
  }
  return ok(out.body);
}

async function upstreamCall(
  db: Executor,
  providerId: number,
  params: Record<string, string>,
): Promise<Result<unknown, ProviderCallFailure>> {
  const provider = await findProvider(db, providerId);
  if (!provider) return fail({ code: 'unknown_provider' });
  return callEndpoint(provider, params);
}

function balanceOf(
  r: Result<unknown, ProviderCallFailure>,
): Result<{ balance: string; currency: string | null }, ProviderCallFailure> {
  if (!r.ok) return r;
  const parsed = parseAnswer(balanceAnswer, r.value);
  if (!parsed.ok) return fail({ code: 'provider_bad_answer', detail: parsed.error });
  return ok({ balance: parsed.value.balance, currency: parsed.value.currency ?? null });
}

/**
 * Ask an endpoint that is not saved yet for our balance there: the check that its URL and key work
 * (`providers add`, `providers set`). The failure's message is the upstream's own reason.
 */
export async function checkProviderEndpoint(opts: {
  endpoint: NamedEndpoint;
}): Promise<Result<{ balance: string; currency: string | null }, ProviderCallFailure>> {
  return balanceOf(await callEndpoint(opts.endpoint, upstreamParams.balance()));
}

export async function getProviderBalance(opts: {
  db: Executor;
  providerId: number;
}): Promise<Result<{ balance: string; currency: string | null }, ProviderCallFailure>> {
  return balanceOf(await upstreamCall(opts.db, opts.providerId, upstreamParams.balance()));
}

/** The provider's services; entries that do not parse are counted, not fatal. */
export async function getProviderServices(opts: {
  db: Executor;
  providerId: number;
}): Promise<Result<{ services: UpstreamService[]; skipped: number }, ProviderCallFailure>> {
  const r = await upstreamCall(opts.db, opts.providerId, upstreamParams.services());
  if (!r.ok) return r;
  const list = servicesAnswer.safeParse(r.value);
  if (!list.success || !('list' in list.data))
    return fail({ code: 'provider_bad_answer', detail: 'provider did not answer a list of services' });
  const services: UpstreamService[] = [];
  let skipped = 0;
  for (const item of list.data.list) {
    const p = serviceAnswer.safeParse(item);
    if (p.success) services.push(p.data);
    else skipped++;
  }
  return ok({ services, skipped });
}
