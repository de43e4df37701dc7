/**
 * A Kysely driver for better-sqlite3 that fits the panel better than Kysely's own:
 * - write transactions start with BEGIN IMMEDIATE, so a transaction that reads and then writes never
 *   fails half-way with SQLITE_BUSY when another process (a worker) holds the write lock; it waits
 *   for busy_timeout instead;
 * - prepared statements are cached by SQL text (Kysely would prepare every query again);
 * - integers are read as safe integers and handed back as number when they fit 2^53, as bigint
 *   otherwise, so large amounts are never silently rounded;
 * - rows are read as arrays and made into objects by a function built once per statement from its
 *   column names (an object literal of one fixed shape): better-sqlite3's own objects, built property
 *   by property through V8's C++ API, cost about twice as much for a page of orders (docs/benchmarks.md
 *   "Reading rows on SQLite");
 * - with `lockWaitMs` (the serving process), a statement that finds the database locked by another
 *   connection (the engine's thread, a worker process, the CLI) is tried again after a timer instead of
 *   in SQLite's busy handler, which sleeps inside the call and so would stop the whole event loop, every
 *   request included, for as long as the other connection writes.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

const MAX_CACHED_STATEMENTS = 500;

/** An integer as a number when it is exactly one, else the bigint itself; other values as they are. */
function exact(v: unknown): unknown {
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  return v;
}

type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * `(values) => ({ [name0]: exact(values[0]), ... })` for these column names. The names come from the
 * statement's own SQL (never from a request) and are written as JSON string literals; a name given twice
 * keeps its last value, as an object of better-sqlite3 would.
 */
export function rowBuilder(names: string[]): RowBuilder {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: exact(v[${i}])`).join(', ');
  return new Function('exact', `return (v) => ({ ${fields} });`)(exact) as RowBuilder;
}

interface Cached {
  stmt: BetterSqlite3.Statement;
  /** Readers only; made at the first rows, again if the statement's width changes (another process's DDL). */
  build: RowBuilder | null;
  width: number;
}

/** DDL (a migration): statements prepared before it may read other columns now. */
const DDL = /^\s*(create|alter|drop)\b/i;

/** Between two tries of a statement that found the database locked (lockWaitMs). */
const LOCK_RETRY_FIRST_MS = 1;
const LOCK_RETRY_MAX_MS = 4;

const isBusy = (err: unknown) =>
  typeof (err as { code?: unknown } | null)?.code === 'string' &&
  (err as { code: string }).code.startsWith('SQLITE_BUSY');

class CachedSqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #cache = new Map<string, Cached>();
  /** How long a statement waits on timers for another connection's lock; null: SQLite's handler waits. */
  readonly #lockWaitMs: number | null;

  constructor(db: BetterSqlite3.Database, lockWaitMs: number | null) {
    this.#db = db;
    this.#lockWaitMs = lockWaitMs;
  }

  #prepare(sql: string): Cached {
    let cached = this.#cache.get(sql);
    if (!cached) {
      const stmt = this.#db.prepare(sql);
      if (stmt.reader) stmt.safeIntegers(true).raw(true);
      if (this.#cache.size >= MAX_CACHED_STATEMENTS) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      cached = { stmt, build: null, width: -1 };
      this.#cache.set(sql, cached);
    }
    return cached;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return this.#execute(compiled);
    } catch (err) {
      // Locked by another connection (busy_timeout is 0 here): nothing was done, so the statement is
      // tried again later. Inside a transaction it holds the write lock already (BEGIN IMMEDIATE);
      // a busy error there is not a wait and goes to the caller, who rolls back.
      if (this.#lockWaitMs === null || !isBusy(err) || this.#db.inTransaction) throw err;
      return this.#retryAfterLock(compiled, Date.now() + this.#lockWaitMs);
    }
  }

  async #retryAfterLock<R>(compiled: CompiledQuery, deadline: number): Promise<QueryResult<R>> {
    let delay = LOCK_RETRY_FIRST_MS;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        return await this.#execute<R>(compiled);
      } catch (err) {
        if (!isBusy(err) || this.#db.inTransaction || Date.now() >= deadline) throw err;
        delay = Math.min(delay * 2, LOCK_RETRY_MAX_MS);
      }
    }
  }

  #execute<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const cached = this.#prepare(compiled.sql);
    const { stmt } = cached;
    const params = compiled.parameters as unknown[];
    if (stmt.reader) {
      const values = stmt.all(params) as unknown[][];
      if (values.length === 0) return Promise.resolve({ rows: [] });
      let build = cached.build;
      if (build === null || (values[0] as unknown[]).length !== cached.width) {
        const names = stmt.columns().map((c) => c.name);
        build = cached.build = rowBuilder(names);
        cached.width = names.length;
      }
      return Promise.resolve({ rows: values.map(build) as R[] });
    }
    const { changes, lastInsertRowid } = stmt.run(params);
    if (DDL.test(compiled.sql)) this.#cache.clear();
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by the panel
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on SQLite');
  }
}

/** One connection guarded by a queue: SQLite in one process has exactly one writer. */
class PanelSqliteDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #lockWaitMs: number | null;
  #connection!: CachedSqliteConnection;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | null = null;

  constructor(db: BetterSqlite3.Database, lockWaitMs: number | null) {
    this.#db = db;
    this.#lockWaitMs = lockWaitMs;
  }

  async init(): Promise<void> {
    this.#connection = new CachedSqliteConnection(this.#db, this.#lockWaitMs);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'begin immediate', parameters: [], query: undefined } as never);
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'commit', parameters: [], query: undefined } as never);
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'rollback', parameters: [], query: undefined } as never);
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}

/**
 * A Kysely dialect over an open better-sqlite3 database, using the driver above. With `lockWaitMs` the
 * connection's busy_timeout must be 0 (connect.ts sets it): the driver waits for locks itself.
 */
export function panelSqliteDialect(db: BetterSqlite3.Database, lockWaitMs: number | null = null): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new PanelSqliteDriver(db, lockWaitMs),
    createIntrospector: (k: Kysely<unknown>) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
