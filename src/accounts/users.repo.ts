/** Reads and writes of users. Takes the database or a transaction; never opens its own. */
import type { Insertable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { UsersTable } from '../db/schema.js';
import { toUnits } from '../money.js';

export interface User {
  id: number;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  balanceUnits: bigint;
}

// biome-ignore lint/suspicious/noExplicitAny: row shape from either driver
function toUser(row: any): User {
  return {
    id: Number(row.id),
    username: row.username,
    isAdmin: Number(row.is_admin) === 1,
    disabled: Number(row.disabled) === 1,
    balanceUnits: toUnits(row.balance_units),
  };
}

const columns = ['id', 'username', 'is_admin', 'disabled', 'balance_units'] as const;

export async function findUserByKeyHash(db: Executor, keyHash: string): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select(columns)
    .where('api_key_hash', '=', keyHash)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUserByUsername(db: Executor, username: string): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select(columns)
    .where('username', '=', username)
    .executeTakeFirst();
  return row ? toUser(row) : null;
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
