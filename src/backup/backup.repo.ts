/**
 * SQL of backups, restores and moves: generic reads and writes of whole tables (the table and key
 * names come from snapshot-tables.ts, never from a file), the one read transaction a snapshot is
 * taken in, and the Postgres identity sequences set past the restored ids.
 */
import { type Kysely, sql } from 'kysely';
import type { DialectName, Executor } from '../db/executor.js';
import type { SnapshotTable } from './snapshot-tables.js';

// biome-ignore lint/suspicious/noExplicitAny: tables are read and written generically here
type AnyDb = Kysely<any>;
export type Row = Record<string, unknown>;

const any = (db: Executor): AnyDb => db as unknown as AnyDb;

/**
 * Run `work` in one read-only transaction that sees a single point in time: Postgres REPEATABLE READ
 * READ ONLY; SQLite (WAL) a deferred transaction whose first read fixes the snapshot while writers go on.
 */
export async function inReadSnapshot<T>(
  db: Executor,
  dialect: DialectName,
  work: (tx: Executor) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') {
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work);
  }
  // A deferred BEGIN (the panel's own transactions are BEGIN IMMEDIATE, which would stop writers):
  // the first read fixes the snapshot and the panel goes on writing to the WAL meanwhile.
  return db.connection().execute(async (conn) => {
    await sql`begin deferred`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`rollback`.execute(conn);
    }
  });
}

/** The next page of a table's rows in key order, after `after` (the last page's last key). */
export async function readPage(
  db: Executor,
  table: SnapshotTable,
  after: unknown[] | null,
  limit: number,
): Promise<Row[]> {
  let q = any(db).selectFrom(table.name).selectAll();
  if (after) {
    if (table.key.length === 1) {
      q = q.where(table.key[0] as string, '>', after[0]);
    } else {
      // Row-value comparison (a, b) > (x, y), which both databases understand.
      q = q.where(
        sql`(${sql.join(table.key.map((k) => sql.ref(k)))})`,
        '>',
        sql`(${sql.join(after.map((v) => sql`${v}`))})`,
      );
    }
  }
  for (const k of table.key) q = q.orderBy(k);
  return (await q.limit(limit).execute()) as Row[];
}

export async function insertRows(db: Executor, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await any(db).insertInto(table).values(rows).execute();
}

export async function countRows(db: Executor, table: string): Promise<number> {
  const r = await any(db)
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Does the table exist (a database never migrated has none)? */
export async function tableExists(db: Executor, table: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((t) => t.name === table);
}

/** Each table's column names. */
export async function columnsOf(db: Executor): Promise<Map<string, Set<string>>> {
  const tables = await db.introspection.getTables();
  return new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
}

/** Every table in the database, without Kysely's migration bookkeeping. */
export async function listTables(db: Executor): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
}

/** Every user's id and balance (the figures a restore is compared with). */
export async function userBalances(db: Executor): Promise<{ id: unknown; balance: unknown }[]> {
  return db.selectFrom('users').select(['id', 'balance_units as balance']).orderBy('id').execute();
}

/** Postgres: move a table's identity sequence past its highest id, so new rows get new ids. */
export async function resetIdentity(db: Executor, table: string): Promise<void> {
  await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) from ${sql.table(table)}`.execute(
    db,
  );
}

/** The newest worker heartbeat's time (ms), or null. */
export async function newestHeartbeat(db: Executor): Promise<number | null> {
  const row = await db
    .selectFrom('worker_heartbeats')
    .select((eb) => eb.fn.max('seen_at').as('seen'))
    .executeTakeFirst();
  return row?.seen == null ? null : Number(row.seen);
}
