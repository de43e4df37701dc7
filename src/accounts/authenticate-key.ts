/**
 * Use case: who is calling with this API key. A missing, unknown or disabled user's key answers the
 * same failure, so a caller cannot tell which it was.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { hashApiKey } from './secrets.js';
import { findUserByKeyHash, type User } from './users.repo.js';

/** Longer values are not keys the panel ever issued; refused before any hashing or lookup. */
export const MAX_API_KEY_LENGTH = 200;

export async function authenticateApiKey(opts: {
  db: Executor;
  key: string | undefined;
}): Promise<Result<User, FailureOf<'invalid_key'>>> {
  const { key } = opts;
  if (!key || key.length > MAX_API_KEY_LENGTH) return fail({ code: 'invalid_key' });
  const user = await findUserByKeyHash(opts.db, hashApiKey(key));
  if (!user || user.disabled) return fail({ code: 'invalid_key' });
  return ok(user);
}
