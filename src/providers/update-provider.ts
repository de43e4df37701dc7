/**
 * Use case: the operator changes a provider's URL or key. With `check`, the new pair must answer a
 * balance call first (the failure carries the upstream's reason), as when adding one.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, failureMessage, ok, type Result } from '../result.js';
import { providerProblem } from './add-provider.js';
import { checkProviderEndpoint } from './provider-queries.js';
import { findProvider, updateProviderEndpoint } from './providers.repo.js';

export async function updateProvider(opts: {
  db: Executor;
  providerId: number;
  url?: string | undefined;
  apiKey?: string | undefined;
  check?: boolean;
}): Promise<
  Result<
    { id: number; name: string },
    FailureOf<'unknown_provider' | 'invalid_provider_url' | 'invalid_provider_key' | 'provider_check_failed'>
  >
> {
  const { db, providerId } = opts;
  const p = await findProvider(db, providerId);
  if (!p) return fail({ code: 'unknown_provider' });
  const urlText = opts.url ?? p.url;
  const keyText = opts.apiKey ?? p.apiKey;
  const problem = providerProblem(urlText, keyText);
  if (problem) return fail(problem);
  const endpoint = { url: new URL(urlText.trim()).toString(), apiKey: keyText.trim() };
  if (opts.check) {
    const checked = await checkProviderEndpoint({ endpoint: { ...endpoint, name: p.name } });
    if (!checked.ok) return fail({ code: 'provider_check_failed', reason: failureMessage(checked.failure) });
  }
  if (!(await updateProviderEndpoint(db, providerId, endpoint))) return fail({ code: 'unknown_provider' });
  return ok({ id: p.id, name: p.name });
}
