/** Password reset tokens (table password_resets): only token hashes are stored. Takes the database or a transaction. */
import type { Executor } from '../db/executor.js';

export interface ResetRow {
  id: number;
  userId: number;
  expiresAt: number;
  usedAt: number | null;
}

export async function insertReset(
  db: Executor,
  r: { userId: number; tokenHash: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('password_resets')
    .values({ user_id: r.userId, token_hash: r.tokenHash, created_at: r.now, expires_at: r.expiresAt })
    .execute();
}

/** End every unused, unexpired token of the user (a newer one replaces them, or the password changed). */
export async function expireLiveResets(db: Executor, userId: number, now: number): Promise<void> {
  await db
    .updateTable('password_resets')
    .set({ expires_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

/** How many tokens the user was sent since `since` (the per-account mail limit). */
export async function countResetsSince(db: Executor, userId: number, since: number): Promise<number> {
  const row = await db
    .selectFrom('password_resets')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findResetByHash(db: Executor, tokenHash: string): Promise<ResetRow | null> {
  const r = await db
    .selectFrom('password_resets')
    .select(['id', 'user_id', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return r
    ? {
        id: Number(r.id),
        userId: Number(r.user_id),
        expiresAt: Number(r.expires_at),
        usedAt: r.used_at === null ? null : Number(r.used_at),
      }
    : null;
}

/** Mark the token used if it still is live (compare-and-set); false when someone used it first or it expired. */
export async function markResetUsed(db: Executor, id: number, now: number): Promise<boolean> {
  const res = await db
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
