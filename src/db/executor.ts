/**
 * The database handle every repository takes: the Kysely instance or a transaction of it (same type).
 * Lives in db/ so that domain folders share it without importing one another.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { Database } from './schema.js';

export type Executor = Kysely<Database>;

/** The two databases the panel runs on. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database `db` (or a transaction of it) talks to. */
export function dialectOf(db: Executor): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * A column among many ids, for `.where(column, idsOp(db), ids(db, list))`: on Postgres `= any($1)`,
 * ONE array parameter (a list of a hundred parameters is planned anew at every call, which can cost as
 * much as the statement itself); on SQLite, which has no arrays, an IN list.
 */
export const idsOp = (db: Executor) => (dialectOf(db) === 'postgres' ? '=' : 'in');
export const idsIn = (db: Executor, list: number[]) =>
  dialectOf(db) === 'postgres' ? sql<number>`any(${list}::bigint[])` : list;
