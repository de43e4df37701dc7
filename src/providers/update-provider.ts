/**
 * Use case: the operator changes a provider's URL or key. With `check`, the new pair must answer a
 * balance call first (the failure carries the upstream's reason), as when adding one.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, failureMessage, ok, type Result } from '../result.js';
import { providerProblem } from './add-provider.js';
import { checkProviderEndpoint } from './provider-queries.js';
import { findProvider, updateProviderEndpoint } from './providers.repo.js';

export async function updateProvider(opts: {
  db: Executor;
  actor: Actor;
  providerId: number;
  url?: string | undefined;
  apiKey?: string | undefined;
  check?: boolean;
}): Promise<
  Result<
    { id: number; name: string },
    FailureOf<
      | 'unknown_provider'
      | 'invalid_provider_url'
      | 'invalid_provider_key'
      | 'provider_check_failed'
      | 'forbidden'
    >
  >
> {
  const { db, providerId, actor } = opts;
  if (!can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
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
  const found = await inTransaction(db, async (tx) => {
    if (!(await updateProviderEndpoint(tx, providerId, endpoint))) return false;
    // The key itself is never kept: only whether it changed.
    await recordAudit(tx, {
      actor,
      action: 'provider.update',
      subject: { type: 'provider', id: providerId },
      before: { url: p.url },
      after: { url: endpoint.url, keyChanged: endpoint.apiKey !== p.apiKey },
    });
    return true;
  });
  if (!found) return fail({ code: 'unknown_provider' });
  return ok({ id: p.id, name: p.name });
}
