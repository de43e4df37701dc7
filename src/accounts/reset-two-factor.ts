/**
 * Use case: an admin turns off another account's two-factor sign-in (users.write), e.g. when they lost
 * their phone and their recovery codes (also `smm-panel users two-factor-off`, for an admin locked out). The secret and recovery codes are deleted and every session of
 * the account ends; audited (never the secret).
 */
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { can } from './roles.js';
import { deleteUserSessions } from './sessions.repo.js';
import { clearTotp, readTotp } from './two-factor.repo.js';
import { findUserById, findUserByUsername } from './users.repo.js';

export async function resetTwoFactor(opts: {
  db: Executor;
  actor: Actor;
  /** The account by id (admin page) or by username (CLI). */
  user: { id: number } | { username: string };
  note?: string | undefined;
  now?: number;
}): Promise<Result<{ endedSessions: number }, FailureOf<'forbidden' | 'unknown_user' | 'two_factor_off'>>> {
  const { db, actor } = opts;
  if (!can(actor.role, 'users.write')) return fail({ code: 'forbidden' });
  const target =
    'id' in opts.user
      ? await findUserById(db, opts.user.id)
      : await findUserByUsername(db, opts.user.username);
  if (!target) return fail({ code: 'unknown_user' });
  const userId = target.id;
  return inTransaction(db, async (tx) => {
    const state = await readTotp(tx, userId);
    if (!state) return fail({ code: 'unknown_user' });
    if (state.enabledAt === null) return fail({ code: 'two_factor_off' });
    await clearTotp(tx, userId);
    const ended = await deleteUserSessions(tx, userId);
    await recordAudit(tx, {
      actor,
      action: 'user.two_factor_reset',
      subject: { type: 'user', id: userId },
      before: { twoFactor: true },
      after: { twoFactor: false, endedSessions: ended },
      note: opts.note,
      now: opts.now,
    });
    return ok({ endedSessions: ended });
  });
}
