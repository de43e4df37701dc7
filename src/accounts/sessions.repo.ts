/** Web sessions (table web_sessions): only token hashes are stored. Takes the database or a transaction. */
import { changeVersionSql, observeChangeVersion } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';
import { toRole } from './roles.js';
import type { User } from './users.repo.js';

export interface SessionRow {
  id: number;
  userId: number;
  expiresAt: number;
  lastSeenAt: number;
}

export async function insertSession(
  db: Executor,
  s: {
    tokenHash: string;
    userId: number;
    now: number;
    expiresAt: number;
    userAgent?: string | null | undefined;
    ip?: string | null | undefined;
  },
): Promise<number> {
  const row = await db
    .insertInto('web_sessions')
    .values({
      token_hash: s.tokenHash,
      user_id: s.userId,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expiresAt,
      user_agent: s.userAgent ?? null,
      ip: s.ip ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The session with this token hash and its user, or null. Expiry is the caller's rule. */
export async function findSessionWithUser(
  db: Executor,
  tokenHash: string,
): Promise<{ session: SessionRow; user: User & { passwordHash: string | null } } | null> {
  const r = await db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .select([
      'web_sessions.id as session_id',
      'web_sessions.expires_at',
      'web_sessions.last_seen_at',
      'users.id',
      'users.username',
      'users.role',
      'users.disabled',
      'users.balance_units',
      'users.password_hash',
      'users.email',
      'users.totp_enabled_at',
      // The caches' change version, read in the same round trip (db/change-version.ts).
      changeVersionSql.as('change_version'),
    ])
    .where('web_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!r) return null;
  observeChangeVersion(db, r.change_version);
  return {
    session: {
      id: Number(r.session_id),
      userId: Number(r.id),
      expiresAt: Number(r.expires_at),
      lastSeenAt: Number(r.last_seen_at),
    },
    user: {
      id: Number(r.id),
      username: r.username,
      role: toRole(r.role),
      isAdmin: r.role === 'admin',
      disabled: Number(r.disabled) === 1,
      balanceUnits: toUnits(r.balance_units),
      email: r.email,
      twoFactor: r.totp_enabled_at !== null,
      passwordHash: r.password_hash,
    },
  };
}

/** Extend the session; the client address is refreshed with it when known. */
export async function touchSession(
  db: Executor,
  id: number,
  now: number,
  expiresAt: number,
  ip?: string | undefined,
): Promise<void> {
  await db
    .updateTable('web_sessions')
    .set({ last_seen_at: now, expires_at: expiresAt, ...(ip !== undefined ? { ip } : {}) })
    .where('id', '=', id)
    .execute();
}

export interface SessionDetails {
  id: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
}

/** A user's sessions that have not expired, most recently used first. */
export async function findUserSessions(db: Executor, userId: number, now: number): Promise<SessionDetails[]> {
  const rows = await db
    .selectFrom('web_sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    userAgent: r.user_agent,
    ip: r.ip,
  }));
}

/** Delete one session of this user (another user's id deletes nothing); whether it existed. */
export async function deleteUserSession(db: Executor, userId: number, id: number): Promise<boolean> {
  const res = await db
    .deleteFrom('web_sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function deleteSession(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('web_sessions').where('id', '=', id).execute();
}

/** Every session of the user, or every one but `keepId`; how many were deleted. */
export async function deleteUserSessions(db: Executor, userId: number, keepId?: number): Promise<number> {
  let q = db.deleteFrom('web_sessions').where('user_id', '=', userId);
  if (keepId !== undefined) q = q.where('id', '!=', keepId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function countUserSessions(db: Executor, userId: number): Promise<number> {
  const row = await db
    .selectFrom('web_sessions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The stored password hash of a user by name (sign-in) or id (change password). */
export async function findCredentials(
  db: Executor,
  by: { username: string } | { id: number },
): Promise<{ id: number; username: string; passwordHash: string | null; disabled: boolean } | null> {
  let q = db.selectFrom('users').select(['id', 'username', 'password_hash', 'disabled']);
  q = 'id' in by ? q.where('id', '=', by.id) : q.where('username', '=', by.username);
  const r = await q.executeTakeFirst();
  return r
    ? {
        id: Number(r.id),
        username: r.username,
        passwordHash: r.password_hash,
        disabled: Number(r.disabled) === 1,
      }
    : null;
}
