/**
 * Queries that every request runs (who an API key is, an order's status) built and compiled by Kysely
 * once per database instead of on every call: building and compiling a query costs more CPU than
 * SQLite takes to answer it. The query is built once with a placeholder value for each parameter; each
 * call sends the same SQL with its own values in the placeholders' places. A builder whose values do not
 * come through as plain parameters (so their places cannot be found) is simply built on every call.
 * On Postgres the compiled SQL also goes as a named prepared statement (named-statements.ts).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import { nameStatement } from './named-statements.js';

// biome-ignore lint/suspicious/noExplicitAny: any database's Kysely
type AnyDb = Kysely<any>;

interface Template<R> {
  compiled: CompiledQuery<R>;
  /** For each parameter of the SQL: the index of the call's value, or -1 for a constant of the query. */
  slots: number[];
}

const PREFIX = '\u0000smm-param-';
const placeholder = (i: number) => `${PREFIX}${i}\u0000`;

export function preparedQuery<P extends unknown[], R>(
  build: (db: AnyDb, ...params: P) => { compile(): CompiledQuery<R>; execute(): Promise<R[]> },
  arity: P['length'],
): (db: AnyDb, ...params: P) => Promise<R[]> {
  const templates = new WeakMap<object, Template<R> | null>();
  return async (db, ...params) => {
    const key = db.getExecutor().adapter;
    let t = templates.get(key);
    if (t === undefined) {
      const placeholders = Array.from({ length: arity }, (_, i) => placeholder(i)) as P;
      const compiled = build(db, ...placeholders).compile();
      const slots = compiled.parameters.map((v) =>
        typeof v === 'string' && v.startsWith(PREFIX) ? Number(v.slice(PREFIX.length, -1)) : -1,
      );
      // Each value must land in exactly one place, or the template cannot be trusted.
      const once = Array.from({ length: arity }, (_, i) => slots.filter((s) => s === i).length === 1);
      t = once.every(Boolean) ? { compiled, slots } : null;
      // Postgres parses and plans it once per connection (named-statements.ts).
      if (t) nameStatement(compiled.sql);
      templates.set(key, t);
    }
    if (t === null) return build(db, ...params).execute();
    const { compiled, slots } = t;
    const parameters = slots.map((s, i) => (s === -1 ? compiled.parameters[i] : params[s]));
    const result = await db.executeQuery<R>({ ...compiled, parameters });
    return result.rows;
  };
}
