/** Use case: replace a user's API key; the old key stops working at once. */

import type { Executor } from './../db/executor.js';
import { fail, ok, type Result } from '../result.js';
import { generateApiKey, hashApiKey } from './secrets.js';

export async function rotateApiKey(opts: {
  db: Executor;
  username: string;
}): Promise<Result<{ id: number; apiKey: string }>> {
  const apiKey = generateApiKey();
  const row = await opts.db
    .updateTable('users')
    .set({ api_key_hash: hashApiKey(apiKey) })
    .where('username', '=', opts.username)
    .returning('id')
    .executeTakeFirst();
  if (!row) return fail({ code: 'unknown_user' });
  return ok({ id: Number(row.id), apiKey });
}
