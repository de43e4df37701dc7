/**
 * Use case: replace a user's API key; the old key stops working at once. Staff need keys.rotate and
 * are audited (never the key); a customer rotating their own key acts as SYSTEM.
 */
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from './../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { can } from './roles.js';
import { generateApiKey, hashApiKey } from './secrets.js';
import { setApiKeyHash } from './users.repo.js';

export async function rotateApiKey(opts: {
  db: Executor;
  actor: Actor | System;
  username: string;
  now?: number;
}): Promise<Result<{ id: number; apiKey: string }, FailureOf<'unknown_user' | 'forbidden'>>> {
  const { actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'keys.rotate')) return fail({ code: 'forbidden' });
  const apiKey = generateApiKey();
  const id = await inTransaction(opts.db, async (tx) => {
    const changed = await setApiKeyHash(tx, opts.username, hashApiKey(apiKey));
    if (changed !== null && actor !== 'system')
      await recordAudit(tx, {
        actor,
        action: 'user.api_key_rotate',
        subject: { type: 'user', id: changed },
        after: { rotated: true },
        now: opts.now,
      });
    return changed;
  });
  if (id === null) return fail({ code: 'unknown_user' });
  return ok({ id, apiKey });
}
