/**
 * Keeping what rarely changes (the catalogue as each customer sees it, the currency) in memory, and
 * dropping it on the very next request after the operator changes it, in this process or in any
 * other process of the panel, on SQLite and on Postgres alike.
 *
 * How: the database holds one counter, the *change version* (the `change_version` row of `settings`).
 * Every repository write to what a cache holds bumps it in the same transaction as the change, so it
 * moves exactly when the change commits. The queries that identify a caller on every request (an API
 * key, a web session) read the counter in the same round trip, for free, and tell this module; a kept
 * value is used only while it was loaded under the version last seen. So a request sent after a
 * change committed sees the change: its own identification read the new version first. A process that
 * identifies nobody (the worker, the CLI) reads the counter itself when it has not seen it for a
 * second, so its values are at most that old.
 */
import { type Kysely, sql } from 'kysely';

const KEY = 'change_version';
/** How long a version seen stays good enough for a process that serves no request. */
const FRESH_MS = 1000;

// biome-ignore lint/suspicious/noExplicitAny: any database's Kysely (only the settings table is used)
type AnyDb = Kysely<any>;

interface Seen {
  version: number;
  at: number;
}

/** One record per database, shared by the database object and its transactions. */
const seenByDb = new WeakMap<object, Seen>();
const keyOf = (db: AnyDb) => db.getExecutor().adapter;

/** The SQL expression that reads the change version (0 before the first change). */
export const changeVersionSql = sql<string | null>`(select value from settings where key = ${KEY})`;

/** A query read the version `raw` (from changeVersionSql): remember it, if it is the newest seen. */
export function observeChangeVersion(db: AnyDb, raw: unknown, now = Date.now()): void {
  const version = Number(raw ?? 0);
  if (!Number.isSafeInteger(version)) return;
  const key = keyOf(db);
  const seen = seenByDb.get(key);
  // Versions only grow: an answer read before a newer one arrives late and must not move it back.
  if (!seen) seenByDb.set(key, { version, at: now });
  else {
    if (version > seen.version) seen.version = version;
    seen.at = now;
  }
}

/** Bump the version, in the transaction that changes what caches hold (so it moves at its commit). */
export async function bumpChangeVersion(db: AnyDb): Promise<void> {
  await sql`insert into settings (key, value) values (${KEY}, '1')
    on conflict (key) do update set value = cast(cast(settings.value as bigint) + 1 as text)`.execute(db);
  // This process reads the counter again at its next use (a request would anyway, through its
  // identification; the CLI or the worker might not for a second).
  const seen = seenByDb.get(keyOf(db));
  if (seen) seen.at = 0;
}

async function currentVersion(db: AnyDb): Promise<number> {
  const seen = seenByDb.get(keyOf(db));
  const now = Date.now();
  if (seen && now - seen.at < FRESH_MS) return seen.version;
  const r = await sql<{ v: string | null }>`select ${changeVersionSql} as v`.execute(db);
  observeChangeVersion(db, r.rows[0]?.v, now);
  return seenByDb.get(keyOf(db))?.version ?? 0;
}

/**
 * Values read from the database, kept while the change version stays where it was when they were
 * read. Never used inside a transaction (a transaction reads what it reads itself). Kept values are
 * shared by every caller: treat them as read-only.
 */
export class VersionedCache<K, V> {
  readonly #byDb = new WeakMap<object, Map<K, { value: V; version: number }>>();

  constructor(readonly maxEntries = 10_000) {}

  async get(db: AnyDb, key: K, load: () => Promise<V>): Promise<V> {
    if (db.isTransaction) return load();
    // The version is known before the load: a change committed in between makes the value newer than
    // its tag, never older, and the next request (which sees the new version) loads it again.
    const version = await currentVersion(db);
    let entries = this.#byDb.get(keyOf(db));
    const hit = entries?.get(key);
    if (hit && hit.version === version) return hit.value;
    const value = await load();
    if (!entries) {
      entries = new Map();
      this.#byDb.set(keyOf(db), entries);
    }
    // A full cache starts again (simple, and bounded): the next reads fill it with what is used.
    if (entries.size >= this.maxEntries && !entries.has(key)) entries.clear();
    entries.set(key, { value, version });
    return value;
  }
}
