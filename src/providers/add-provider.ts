/** Use case: the operator connects an upstream panel (its API v2 URL and our key there). */

import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { fail, failureMessage, ok, type Result } from '../result.js';
import { checkProviderEndpoint } from './provider-queries.js';
import { insertProvider } from './providers.repo.js';

/** Check a provider's URL and key; returns the problem, or null. */
export function providerProblem(urlText: string, keyText: string): string | null {
  let url: URL;
  try {
    url = new URL(urlText.trim());
  } catch {
    return 'url must be an http(s) URL, e.g. https://panel.example/api/v2';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'url must be an http(s) URL, e.g. https://panel.example/api/v2';
  const key = keyText.trim();
  if (!key || key.length > 500 || /\s/.test(key)) return 'key must be 1-500 characters without spaces';
  return null;
}

export async function addProvider(opts: {
  db: Executor;
  name: string;
  url: string;
  apiKey: string;
  /** Ask the provider for our balance first and refuse when it does not answer with one. */
  check?: boolean;
  now?: number;
}): Promise<Result<{ id: number; balance?: string | undefined }>> {
  const name = opts.name.trim();
  if (!name || name.length > 100) return fail({ code: 'invalid', message: 'name must be 1-100 characters' });
  const problem = providerProblem(opts.url, opts.apiKey);
  if (problem) return fail({ code: 'invalid', message: problem });
  const url = new URL(opts.url.trim());
  const apiKey = opts.apiKey.trim();
  let balance: string | undefined;
  if (opts.check) {
    const checked = await checkProviderEndpoint({ endpoint: { name, url: url.toString(), apiKey } });
    if (!checked.ok) return fail({ code: 'provider_check_failed', reason: failureMessage(checked.failure) });
    balance = checked.value.balance;
  }
  try {
    const id = await insertProvider(opts.db, {
      name,
      url: url.toString(),
      api_key: apiKey,
      created_at: opts.now ?? Date.now(),
    });
    return ok({ id, balance });
  } catch (err) {
    if (isUniqueViolation(err)) return fail({ code: 'conflict', message: `provider ${name} already exists` });
    throw err;
  }
}
