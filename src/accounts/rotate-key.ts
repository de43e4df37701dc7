/** Use case: replace a user's API key; the old key stops working at once. */

import type { Executor } from './../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { generateApiKey, hashApiKey } from './secrets.js';
import { setApiKeyHash } from './users.repo.js';

export async function rotateApiKey(opts: {
  db: Executor;
  username: string;
}): Promise<Result<{ id: number; apiKey: string }, FailureOf<'unknown_user'>>> {
  const apiKey = generateApiKey();
  const id = await setApiKeyHash(opts.db, opts.username, hashApiKey(apiKey));
  if (id === null) return fail({ code: 'unknown_user' });
  return ok({ id, apiKey });
}
