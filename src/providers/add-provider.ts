/** Use case: the operator connects an upstream panel (its API v2 URL and our key there). */

import { can } from '../accounts/roles.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, failureMessage, ok, type Result } from '../result.js';
import { checkProviderEndpoint } from './provider-queries.js';
import { insertProvider } from './providers.repo.js';

/** Check a provider's URL and key; the failure, or null. */
export function providerProblem(
  urlText: string,
  keyText: string,
): FailureOf<'invalid_provider_url' | 'invalid_provider_key'> | null {
  let url: URL;
  try {
    url = new URL(urlText.trim());
  } catch {
    return { code: 'invalid_provider_url' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { code: 'invalid_provider_url' };
  const key = keyText.trim();
  if (!key || key.length > 500 || /\s/.test(key)) return { code: 'invalid_provider_key' };
  return null;
}

export async function addProvider(opts: {
  db: Executor;
  /** Staff (providers.write, audited), or SYSTEM for the demo and tests' fixtures. */
  actor: Actor | System;
  name: string;
  url: string;
  apiKey: string;
  /** Ask the provider for our balance first and refuse when it does not answer with one. */
  check?: boolean;
  now?: number;
}): Promise<
  Result<
    { id: number; balance?: string | undefined },
    FailureOf<
      | 'invalid_provider_name'
      | 'invalid_provider_url'
      | 'invalid_provider_key'
      | 'provider_check_failed'
      | 'provider_exists'
      | 'forbidden'
    >
  >
> {
  const { actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'providers.write')) return fail({ code: 'forbidden' });
  const name = opts.name.trim();
  if (!name || name.length > 100) return fail({ code: 'invalid_provider_name' });
  const problem = providerProblem(opts.url, opts.apiKey);
  if (problem) return fail(problem);
  const url = new URL(opts.url.trim());
  const apiKey = opts.apiKey.trim();
  let balance: string | undefined;
  if (opts.check) {
    const checked = await checkProviderEndpoint({ endpoint: { name, url: url.toString(), apiKey } });
    if (!checked.ok) return fail({ code: 'provider_check_failed', reason: failureMessage(checked.failure) });
    balance = checked.value.balance;
  }
  try {
    const now = opts.now ?? Date.now();
    const id = await inTransaction(opts.db, async (tx) => {
      const id = await insertProvider(tx, { name, url: url.toString(), api_key: apiKey, created_at: now });
      if (actor !== 'system')
        await recordAudit(tx, {
          actor,
          action: 'provider.add',
          subject: { type: 'provider', id },
          after: { name, url: url.toString() },
          now,
        });
      return id;
    });
    return ok({ id, balance });
  } catch (err) {
    if (isUniqueViolation(err)) return fail({ code: 'provider_exists', name });
    throw err;
  }
}
