/**
 * The database handle every repository takes: the Kysely instance or a transaction of it (same type).
 * Lives in db/ so that domain folders share it without importing one another.
 */
import { type Kysely, PostgresAdapter } from 'kysely';
import type { Database } from './schema.js';

export type Executor = Kysely<Database>;

/** The two databases the panel runs on. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database `db` (or a transaction of it) talks to. */
export function dialectOf(db: Executor): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
