/** Use case: the operator sets or clears (null) a user's e-mail (`users email`). */
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { invalidEmail, normalizeEmail, storeEmail } from './email.js';
import { can } from './roles.js';
import { findUserByUsername } from './users.repo.js';

export async function setUserEmailAddress(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  email: string | null;
  now?: number;
}): Promise<
  Result<
    { username: string; email: string | null },
    FailureOf<'invalid_email' | 'email_taken' | 'unknown_user' | 'forbidden'>
  >
> {
  const { actor } = opts;
  if (!can(actor.role, 'users.write')) return fail({ code: 'forbidden' });
  const email = opts.email === null ? null : normalizeEmail(opts.email);
  if (opts.email !== null && email === null) return invalidEmail();
  const r = await inTransaction(opts.db, async (tx) => {
    const u = await findUserByUsername(tx, opts.username);
    if (!u) return fail({ code: 'unknown_user' as const });
    const stored = await storeEmail(tx, u.id, email);
    if (!stored.ok) return stored;
    await recordAudit(tx, {
      actor,
      action: 'user.email',
      subject: { type: 'user', id: u.id },
      before: { email: u.email },
      after: { email: stored.value.email },
      now: opts.now,
    });
    return ok({ username: u.username, email: stored.value.email });
  });
  return r;
}
