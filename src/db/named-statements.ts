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
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/** At most this many SQL texts get a name; a template is compiled once, so they are few (~100). */
const MAX_NAMED = 1000;
const names = new Map<string, string>();

/** Send this SQL text as a named statement on Postgres from now on (SQLite caches by text anyway). */
export function nameStatement(sql: string): void {
  if (names.has(sql) || names.size >= MAX_NAMED) return;
  names.set(sql, `smm_${names.size + 1}`);
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
