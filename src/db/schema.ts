/**
 * The database's tables as Kysely sees them. Amounts are *_units columns (bigint, 10^-7 of the
 * currency, see money.ts); the drivers hand them back as number when they fit 2^53 and as bigint or
 * string otherwise, so readers always pass them through money.toUnits. Flags are 0/1 integers and
 * times are epoch milliseconds, the same on SQLite and Postgres.
 */
import type { ColumnType, Generated } from 'kysely';

/** An integer column as the drivers return it (see the header). */
export type Int = ColumnType<number | bigint | string, number | bigint, number | bigint>;
export type IntId = ColumnType<number, never, never>;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string | null;
  api_key_hash: string | null;
  is_admin: number;
  disabled: Generated<number>;
  balance_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  created_at: Int;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  user_id: number;
  amount_units: Int;
  balance_after_units: Int;
  kind: string;
  order_id: number | null;
  idem_key: string | null;
  note: string | null;
  created_at: Int;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ServicesTable {
  id: Generated<number>;
  name: string;
  category: string;
  type: string;
  rate_units: Int;
  min_quantity: Int;
  max_quantity: Int;
  dripfeed: number;
  refill: number;
  cancel: number;
  description: string;
  enabled: Generated<number>;
  created_at: Int;
}

export interface UserRatesTable {
  user_id: number;
  service_id: number;
  rate_units: Int;
}

export interface OrdersTable {
  id: Generated<number>;
  user_id: number;
  service_id: number;
  type: string;
  link: string | null;
  quantity: Int;
  runs: number | null;
  interval_minutes: number | null;
  params: string | null;
  rate_units: Int;
  charge_units: Int;
  refunded_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  status: string;
  remains: Int;
  start_count: Int | null;
  cancel_requested_at: Int | null;
  created_at: Int;
  updated_at: Int;
  finished_at: Int | null;
}

export interface RefillsTable {
  id: Generated<number>;
  order_id: number;
  user_id: number;
  status: string;
  created_at: Int;
  updated_at: Int;
}

export interface Database {
  users: UsersTable;
  ledger_entries: LedgerEntriesTable;
  settings: SettingsTable;
  services: ServicesTable;
  user_rates: UserRatesTable;
  orders: OrdersTable;
  refills: RefillsTable;
}
