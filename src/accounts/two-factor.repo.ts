/**
 * Two-factor sign-in's rows (0012_two_factor): the TOTP columns of users, recovery codes and the
 * pending sign-in challenges. Takes the database or a transaction; never opens its own.
 */
import type { Executor } from '../db/executor.js';

export interface TotpState {
  secret: string | null;
  enabledAt: number | null;
  lastStep: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function readTotp(db: Executor, userId: number): Promise<TotpState | null> {
  const r = await db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled_at', 'totp_last_step'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!r) return null;
  return { secret: r.totp_secret, enabledAt: num(r.totp_enabled_at), lastStep: num(r.totp_last_step) };
}

/** A new pending secret (two-factor not on); false when it is on already. */
export async function setPendingSecret(db: Executor, userId: number, secret: string): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_secret: secret, totp_last_step: null })
    .where('id', '=', userId)
    .where('totp_enabled_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Turn on the pending secret `secret` (compare-and-set); false when it changed or is on already. */
export async function enableTotp(
  db: Executor,
  r: { userId: number; secret: string; now: number; step: number },
): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ totp_enabled_at: r.now, totp_last_step: r.step })
    .where('id', '=', r.userId)
    .where('totp_secret', '=', r.secret)
    .where('totp_enabled_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Record the time step of an accepted code; false when that step (or a later one) was used already. */
export async function advanceTotpStep(db: Executor, userId: number, step: number): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Two-factor off: the secret and every recovery code go. */
export async function clearTotp(db: Executor, userId: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null })
    .where('id', '=', userId)
    .execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export async function replaceRecoveryCodes(
  db: Executor,
  userId: number,
  hashes: string[],
  now: number,
): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((h) => ({ user_id: userId, code_hash: h, created_at: now })))
    .execute();
}

/** Use one recovery code (compare-and-set); false when it is unknown or used. */
export async function spendRecoveryCode(
  db: Executor,
  userId: number,
  hash: string,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function countRecoveryCodesLeft(db: Executor, userId: number): Promise<number> {
  const r = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertChallenge(
  db: Executor,
  r: { userId: number; tokenHash: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('two_factor_challenges')
    .values({ user_id: r.userId, token_hash: r.tokenHash, created_at: r.now, expires_at: r.expiresAt })
    .execute();
}

export interface ChallengeRow {
  id: number;
  userId: number;
  expiresAt: number;
  attempts: number;
  usedAt: number | null;
}

export async function findChallenge(db: Executor, tokenHash: string): Promise<ChallengeRow | null> {
  const r = await db
    .selectFrom('two_factor_challenges')
    .select(['id', 'user_id', 'expires_at', 'attempts', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return r
    ? {
        id: Number(r.id),
        userId: Number(r.user_id),
        expiresAt: Number(r.expires_at),
        attempts: Number(r.attempts),
        usedAt: num(r.used_at),
      }
    : null;
}

/** Count one try on a live challenge below `max` tries (compare-and-set); false: no try left. */
export async function countChallengeTry(
  db: Executor,
  id: number,
  max: number,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('two_factor_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', max)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Mark the challenge used (compare-and-set); false when it was used first. */
export async function markChallengeUsed(db: Executor, id: number, now: number): Promise<boolean> {
  const res = await db
    .updateTable('two_factor_challenges')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Forget challenges that ended before `before` (housekeeping on each new one). */
export async function deleteOldChallenges(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('two_factor_challenges').where('expires_at', '<', before).execute();
}
