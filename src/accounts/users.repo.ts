/** Reads and writes of users. Takes the database or a transaction; never opens its own. */
import type { Insertable } from 'kysely';

import { sql } from 'kysely';
import { changeVersionSql, observeChangeVersion } from '../db/change-version.js';
import { coalescePerDb } from '../db/coalesce.js';
import { dialectOf, type Executor } from '../db/executor.js';
import { preparedQuery } from '../db/prepared.js';
import type { UsersTable } from '../db/schema.js';
import { toUnits } from '../money.js';
import { type Role, toRole } from './roles.js';

export interface User {
  id: number;
  username: string;
  role: Role;
  /** Derived from role (role is the one source of truth). */
  isAdmin: boolean;
  disabled: boolean;
  balanceUnits: bigint;
  /** Lower-cased; null when the user gave none. */
  email: string | null;
  /** Two-factor sign-in is on (0012_two_factor). */
  twoFactor: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
function toUser(row: any): User {
  return {
    id: Number(row.id),
    username: row.username,
    role: toRole(row.role),
    isAdmin: row.role === 'admin',
    disabled: Number(row.disabled) === 1,
    balanceUnits: toUnits(row.balance_units),
    email: row.email ?? null,
    twoFactor: row.totp_enabled_at !== null && row.totp_enabled_at !== undefined,
  };
}

const columns = ['id', 'username', 'role', 'disabled', 'balance_units', 'email', 'totp_enabled_at'] as const;

/**
 * The user of an API key. The caches' change version is read in the same round trip
 * (db/change-version.ts), so an API request always sees the operator's last change.
 */
const userByKeyHash = preparedQuery(
  (db, keyHash: string) =>
    (db as Executor)
      .selectFrom('users')
      .select([...columns, changeVersionSql.as('change_version')])
      .where('api_key_hash', '=', keyHash),
  1,
);

/** Postgres: the users of several API keys at once (the lookups of requests that arrive together). */
const usersByKeyHashes = preparedQuery(
  (db, keyHashes: string[]) =>
    (db as Executor)
      .selectFrom('users')
      .select([...columns, 'api_key_hash', changeVersionSql.as('change_version')])
      .where('api_key_hash', '=', sql<string>`any(${keyHashes})`),
  1,
);

/** Postgres: at most this many grouped key lookups under way at once (the pool has 10 connections). */
const PARALLEL_LOOKUPS = 4;
/** Keys one grouped lookup reads at most; the others wait for the next group. */
const MAX_GROUPED_KEYS = 500;

/**
 * Postgres: the key lookups of the requests that arrive in the same turn of the event loop go as one
 * query (one round trip and one pool connection for all of them; each still reads the database at that
 * moment, nothing is cached). SQLite answers synchronously, one by one.
 */
const groupedKeyLookup = coalescePerDb(
  async (db: Executor, hashes: string[]) => {
    const rows = await usersByKeyHashes(db, [...new Set(hashes)]);
    const byHash = new Map(rows.map((r) => [r.api_key_hash as string, r]));
    return hashes.map((h) => byHash.get(h));
  },
  PARALLEL_LOOKUPS,
  MAX_GROUPED_KEYS,
);

export async function findUserByKeyHash(db: Executor, keyHash: string): Promise<User | null> {
  const row =
    dialectOf(db) === 'postgres'
      ? await groupedKeyLookup(db, keyHash)
      : (await userByKeyHash(db, keyHash))[0];
  if (!row) return null;
  observeChangeVersion(db, row.change_version);
  return toUser(row);
}

export async function findUserByUsername(db: Executor, username: string): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select(columns)
    .where('username', '=', username)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | null> {
  const row = await db.selectFrom('users').select(columns).where('email', '=', email).executeTakeFirst();
  return row ? toUser(row) : null;
}

/** Set (or clear, with null) a user's e-mail; false when there is no such user. */
export async function setUserEmail(db: Executor, id: number, email: string | null): Promise<boolean> {
  const res = await db.updateTable('users').set({ email }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function findUserById(db: Executor, id: number): Promise<User | null> {
  const row = await db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(db: Executor, values: Insertable<UsersTable>): Promise<number> {
  const row = await db.insertInto('users').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Replace a user's API key hash; the user's id, or null when there is no such user. */
export async function setApiKeyHash(db: Executor, username: string, keyHash: string): Promise<number | null> {
  const row = await db
    .updateTable('users')
    .set({ api_key_hash: keyHash })
    .where('username', '=', username)
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** The operator's list of users: name substring, state, sort, limit. */
export async function searchUsers(
  db: Executor,
  filter: { search?: string; disabled?: boolean; sort: 'balance' | 'name'; limit: number },
): Promise<(User & { createdAt: number })[]> {
  let q = db.selectFrom('users').select([...columns, 'created_at']);
  if (filter.search) {
    // Exact substring, any case: LIKE's wildcards in the search text are escaped.
    const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql`lower(username)`, 'like', sql`${pattern} escape '\\'`);
  }
  if (filter.disabled !== undefined) q = q.where('disabled', '=', filter.disabled ? 1 : 0);
  q =
    filter.sort === 'balance'
      ? q.orderBy('balance_units', 'desc').orderBy('username')
      : q.orderBy('username');
  const rows = await q.limit(filter.limit).execute();
  return rows.map((r) => ({ ...toUser(r), createdAt: Number(r.created_at) }));
}

/**
 * Staff's list of users, newest first: `q` is part of the username or the e-mail, any case; keyset
 * pagination by id (`beforeId`).
 */
export async function findUsersForStaff(
  db: Executor,
  filter: { q?: string | undefined; beforeId?: number | undefined; limit: number },
): Promise<(User & { createdAt: number })[]> {
  let q = db.selectFrom('users').select([...columns, 'created_at']);
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb(sql`lower(username)`, 'like', sql`${pattern} escape '\\'`),
        eb(sql`lower(coalesce(email, ''))`, 'like', sql`${pattern} escape '\\'`),
      ]),
    );
  }
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({ ...toUser(r), createdAt: Number(r.created_at) }));
}

/** Set the disabled flag; false when there is no such user. */
export async function setUserDisabledFlag(db: Executor, id: number, disabled: boolean): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ disabled: disabled ? 1 : 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function setPasswordHash(db: Executor, id: number, passwordHash: string): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** When the user was created and how many orders they placed (for the operator's `users show`). */
export async function userFacts(db: Executor, id: number): Promise<{ createdAt: number; orders: number }> {
  const u = await db.selectFrom('users').select('created_at').where('id', '=', id).executeTakeFirstOrThrow();
  const o = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', id)
    .where('parent_order_id', 'is', null)
    .executeTakeFirstOrThrow();
  return { createdAt: Number(u.created_at), orders: Number(o.n) };
}

/** The first admin account (the one created at first start), or null when there is none. */
export async function findFirstAdmin(db: Executor): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select(columns)
    .where('role', '=', 'admin')
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

/** Set a user's role; false when there is no such user. */
export async function setUserRole(db: Executor, id: number, role: Role): Promise<boolean> {
  const res = await db.updateTable('users').set({ role }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** How many admin accounts that are not disabled exist (the last one cannot be demoted). */
export async function countActiveAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
