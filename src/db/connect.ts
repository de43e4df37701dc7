/**
 * Opening the database named by DATABASE_URL: `sqlite:PATH` (the embedded default) or
 * `postgres://...`. Both dialects share one schema (schema.ts) and one set of migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import type { DialectName } from './executor.js';
import { migrateToLatest } from './migrations.js';
import { withNamedStatements } from './named-statements.js';
import type { Database } from './schema.js';
import { checkpointInBackground, INLINE_CHECKPOINT_PAGES } from './sqlite-checkpoints.js';
import { panelSqliteDialect } from './sqlite-driver.js';

export type { DialectName };

export interface Db {
  db: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export function parseDatabaseUrl(url: string): { dialect: DialectName; target: string } {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/panel.db');
    return { dialect: 'sqlite', target: path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { dialect: 'postgres', target: url };
  }
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:...")`);
}

export interface OpenOptions {
  /** Run pending migrations (default true). */
  migrate?: boolean;
  /** Postgres pool size (default 10). */
  poolSize?: number;
  /**
   * SQLite: whether each commit is synced to disk before it returns (default true, the panel's
   * setting). Only throwaway databases (the tests') turn it off: their content never needs to
   * survive a power cut, and a sync per commit would make the suite slower for nothing.
   */
  durable?: boolean;
  /**
   * SQLite: checkpoint the WAL from a thread of its own instead of inside commits on the event loop
   * (sqlite-checkpoints.ts), for the long-running processes; errors go to `onError`. Ignored for
   * Postgres and for `:memory:`.
   */
  backgroundCheckpoints?: { onError: (message: string) => void };
  /**
   * SQLite: wait for another connection's lock (the engine's thread, a worker process, the CLI) on
   * timers, letting the event loop serve other requests meanwhile, instead of in SQLite's busy handler,
   * which sleeps inside the call. For the serving process; 5 s in all either way (BUSY_TIMEOUT_MS).
   */
  asyncLockWait?: boolean;
}

/** How long a statement waits for another connection's lock before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Db> {
  const { dialect, target } = parseDatabaseUrl(url);
  let db: Kysely<Database>;
  let stopCheckpoints: (() => Promise<void>) | null = null;
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    const sqlite = new BetterSqlite3(target);
    sqlite.pragma('journal_mode = WAL');
    // Every commit reaches the disk before it is answered (docs/operations.md, "What a power cut can
    // lose"): an order answered to a client, or an engine claim made before a request to a provider,
    // survives a power cut. NORMAL would skip that fsync and could lose the last commits.
    sqlite.pragma(options.durable === false ? 'synchronous = NORMAL' : 'synchronous = FULL');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    if (options.backgroundCheckpoints && target !== ':memory:') {
      sqlite.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
      const checkpoints = checkpointInBackground(target, {
        onError: options.backgroundCheckpoints.onError,
        // A thread that ended by itself: SQLite's own threshold again, not 4,000 pages at once.
        onEnded: () => {
          if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
        },
      });
      stopCheckpoints = () => checkpoints.stop();
    }
    // From here on the driver waits for locks itself (sqlite-driver.ts); the pragmas above could
    // still wait in SQLite's handler, before anything is served.
    if (options.asyncLockWait) sqlite.pragma('busy_timeout = 0');
    db = new Kysely<Database>({
      dialect: panelSqliteDialect(sqlite, options.asyncLockWait ? BUSY_TIMEOUT_MS : null),
    });
  } else {
    // Loaded only for Postgres: a panel on SQLite does not pay for the driver at start.
    const { default: pg } = await import('pg');
    // int8 (bigint, count(*)) as number when it fits exactly, otherwise as bigint; numeric as string.
    pg.types.setTypeParser(20, (text: string) => {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    });
    const pool = new pg.Pool({ connectionString: target, max: options.poolSize ?? 10 });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    // A connection dropped while a client is checked out (server restart, terminated backend) is
    // reported to the query that was running, which fails and may be retried (db/transaction.ts); the
    // client's own 'error' event would otherwise have no listener and end the process.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: withNamedStatements(pool as Parameters<typeof withNamedStatements>[0]),
      }),
    });
  }
  const close = async () => {
    await stopCheckpoints?.();
    await db.destroy();
  };
  if (options.migrate !== false) {
    try {
      await migrateToLatest(db, dialect);
    } catch (err) {
      await close();
      throw err;
    }
  }
  return { db, dialect, close };
}
