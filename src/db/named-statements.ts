/**
 * Postgres: the queries every request runs (those compiled once by prepared.ts) are sent as named
 * prepared statements, so each connection has Postgres parse and plan them once instead of on every
 * call (the API key lookup: about 1.6x the queries per second on this machine kind). Every other
 * query stays unnamed: its SQL varies (lists of values, filters), and a connection keeps each
 * statement it prepared until it closes.
 *
 * Behind a pooler in transaction mode (PgBouncer) named statements need the pooler's own support
 * (PgBouncer 1.21+, max_prepared_statements); docs/operations.md says so.
 */
import type {
  CompiledQuery,
  Kysely,
  PostgresCursor,
  PostgresPool,
  PostgresPoolClient,
  PostgresQueryResult,
  QueryResult,
} from 'kysely';
import { PostgresAdapter } from 'kysely';

/** At most this many SQL texts get a name; a template is compiled once, so they are few (~100). */
const MAX_NAMED = 1000;
const names = new Map<string, string>();

/** Send this SQL text as a named statement on Postgres from now on (SQLite caches by text anyway). */
export function nameStatement(sql: string): void {
  if (names.has(sql) || names.size >= MAX_NAMED) return;
  names.set(sql, `smm_${names.size + 1}`);
}

/**
 * Run a compiled query whose SQL text is the same at every call (its values all parameters, its lists
 * arrays) as a named statement on Postgres: the engine's batch statements and the order batch, which
 * Postgres would otherwise parse and plan again each time (a third of the order batch's time). On
 * SQLite it simply runs (better-sqlite3 keeps its own statement cache).
 */
export function executeNamed<R>(
  // biome-ignore lint/suspicious/noExplicitAny: any database's Kysely, or a transaction of it
  db: Kysely<any>,
  query: CompiledQuery<R>,
): Promise<QueryResult<R>> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) nameStatement(query.sql);
  return db.executeQuery(query);
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<PostgresQueryResult<unknown>>;
  query(sql: string, values: ReadonlyArray<unknown>): Promise<PostgresQueryResult<unknown>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  release(destroy?: boolean): void;
}

/** The pool Kysely is given: pg's own, whose clients send a named SQL text as its named statement. */
export function withNamedStatements(pool: {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        // biome-ignore lint/suspicious/noExplicitAny: Kysely's two overloads in one body
        query(sqlOrCursor: any, parameters?: ReadonlyArray<unknown>): any {
          if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
          const name = names.get(sqlOrCursor);
          if (name === undefined) return client.query(sqlOrCursor, parameters ?? []);
          return client.query({ name, text: sqlOrCursor, values: [...(parameters ?? [])] });
        },
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}
