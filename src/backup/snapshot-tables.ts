/**
 * The tables a snapshot holds, in an order that respects the foreign keys (a row's parents come
 * first), each read in order of its key. Every table of schema.ts's Database is either here or in
 * SKIPPED_TABLES: the type check below fails the build when a table is added to the schema and not
 * to one of the lists (and test/backup.test.ts compares with the tables the database really has).
 */
import type { Database } from '../db/schema.js';

export interface SnapshotTable {
  name: keyof Database;
  /** The primary key, read in this order. */
  key: string[];
}

export const SNAPSHOT_TABLES = [
  { name: 'settings', key: ['key'] },
  { name: 'users', key: ['id'] },
  { name: 'providers', key: ['id'] },
  { name: 'categories', key: ['id'] },
  { name: 'services', key: ['id'] },
  { name: 'user_rates', key: ['user_id', 'service_id'] },
  { name: 'orders', key: ['id'] },
  { name: 'order_checks', key: ['order_id'] },
  { name: 'payment_methods', key: ['id'] },
  { name: 'payments', key: ['id'] },
  { name: 'payment_events', key: ['id'] },
  { name: 'ledger_entries', key: ['id'] },
  { name: 'refills', key: ['id'] },
  { name: 'alerts', key: ['id'] },
  { name: 'tickets', key: ['id'] },
  { name: 'ticket_messages', key: ['id'] },
  { name: 'web_sessions', key: ['id'] },
  { name: 'password_resets', key: ['id'] },
  { name: 'recovery_codes', key: ['id'] },
  { name: 'two_factor_challenges', key: ['id'] },
  { name: 'audit_log', key: ['id'] },
] as const satisfies readonly SnapshotTable[];

/**
 * Not copied: a worker's heartbeat describes a process of the source, not the panel; a restored one
 * would make the new database look as if a worker were running there.
 */
export const SKIPPED_TABLES = ['worker_heartbeats'] as const satisfies readonly (keyof Database)[];

type Listed = (typeof SNAPSHOT_TABLES)[number]['name'] | (typeof SKIPPED_TABLES)[number];
/** `true` only when every table of the schema is listed; a missing one names itself in the error. */
type Unlisted = Exclude<keyof Database, Listed>;
export const EVERY_TABLE_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;

export const TABLE_NAMES: readonly string[] = SNAPSHOT_TABLES.map((t) => t.name);
