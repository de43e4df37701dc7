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
  /** 'customer' | 'support' | 'admin' (0011_staff_audit; src/accounts/roles.ts). */
  role: ColumnType<string, string | undefined, string>;
  disabled: Generated<number>;
  balance_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  created_at: Int;
  /** Lower-cased, unique when set (0009_password_resets); for password resets by mail. */
  email: ColumnType<string | null, string | null | undefined, string | null>;
  /** Base32 TOTP secret (0012_two_factor); set but not enabled while the setup is pending. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>;
  /** When two-factor sign-in was turned on; null: off. */
  totp_enabled_at: ColumnType<number | bigint | string | null, number | null | undefined, number | null>;
  /** The last TOTP time step accepted: a code of that step or an earlier one is refused. */
  totp_last_step: ColumnType<number | bigint | string | null, number | null | undefined, number | null>;
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
  /** The payment a `payment_credit` or `payment_reversal` entry belongs to (0016_payments). */
  payment_id: ColumnType<number | null, number | null | undefined, number | null>;
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
  provider_id: number | null;
  provider_service_id: string | null;
  provider_rate: string | null;
  provider_dripfeed: Generated<number>;
  refill_days: number | null;
  rate_set_by_hand: Generated<number>;
  /** Place within its category (customers see categories, then services, by position, then id). */
  position: Generated<number>;
}

/** The place of each category in the catalogue (services name their category by `name`). */
export interface CategoriesTable {
  id: Generated<number>;
  name: string;
  position: number;
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
  dispatch_state: Generated<string>;
  provider_id: number | null;
  provider_order_id: string | null;
  provider_charge_units: Int | null;
  dispatch_attempts: Generated<number>;
  next_attempt_at: Int | null;
  claimed_by: string | null;
  claimed_at: Int | null;
  last_error: string | null;
  cancel_state: string | null;
  parent_order_id: number | null;
  run_index: number | null;
  delivered_posts: number | null;
  /** Money held for a subscription without a post limit (ledger kinds order_reserve / order_reserve_return). */
  reserve_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  /** The web form's idempotency key (0007_web_sessions): one order per key and user. */
  idem_key: string | null;
}

export interface WebSessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: Int;
  last_seen_at: Int;
  expires_at: Int;
  /** The browser's User-Agent at sign-in (at most 200 characters; 0010_session_details). */
  user_agent: string | null;
  /** The client address last seen (0010_session_details). */
  ip: string | null;
}

export interface RefillsTable {
  id: Generated<number>;
  order_id: number;
  user_id: number;
  status: string;
  created_at: Int;
  updated_at: Int;
  provider_refill_id: string | null;
  forward_state: Generated<string>;
  next_check_at: Int | null;
  last_error: string | null;
}

export interface ProvidersTable {
  id: Generated<number>;
  name: string;
  url: string;
  api_key: string;
  state: Generated<string>;
  held_reason: string | null;
  held_at: Int | null;
  next_probe_at: Int | null;
  created_at: Int;
  /** Sends in flight at once at this provider, per worker process (0004_engine_states). */
  send_limit: Generated<number>;
}

export interface AlertsTable {
  id: Generated<number>;
  kind: string;
  provider_id: number | null;
  order_id: number | null;
  message: string;
  created_at: Int;
  resolved_at: Int | null;
}

/** Support tickets (0008_tickets); state per tickets/ticket.state.ts. */
export interface TicketsTable {
  id: Generated<number>;
  user_id: number;
  subject: string;
  /** The customer's order ids the ticket is about, comma separated ('' for none). */
  order_ids: string;
  state: string;
  created_at: Int;
  updated_at: Int;
  /** The last message any staff member has seen in the admin area (0013_ticket_reads); null: none. */
  staff_read_message_id: Int | null;
}

export interface TicketMessagesTable {
  id: Generated<number>;
  ticket_id: number;
  author_user_id: number;
  /** 1 when written by the operator (staff), 0 by the customer. */
  from_staff: number;
  body: string;
  created_at: Int;
}

/** Password reset tokens (0009_password_resets): only the token's SHA-256 is stored. */
export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: Int;
  expires_at: Int;
  used_at: Int | null;
}

/** The audit log (0011_staff_audit): append-only, the database refuses UPDATE and DELETE. */
export interface AuditLogTable {
  id: Generated<number>;
  at: Int;
  actor_id: number;
  actor_kind: string;
  action: string;
  subject_type: string;
  subject_id: string;
  /** JSON text, secrets masked; null when there was nothing before (a creation). */
  before: string | null;
  after: string | null;
  note: string | null;
}

/**
 * The sync's schedule (0019_order_checks): one row per sent, active order, with its next status check
 * and how many checks in a row found nothing new (the backoff step).
 */
export interface OrderChecksTable {
  order_id: number;
  provider_id: number;
  next_check_at: Int;
  unchanged_checks: Generated<number>;
}

/** Each running worker's last sign of life (0015_worker_heartbeats), read by /ready. */
export interface WorkerHeartbeatsTable {
  worker_id: string;
  started_at: Int;
  seen_at: Int;
  pid: number;
  host: string;
}

/** Two-factor recovery codes (0012_two_factor): SHA-256 only, each used once. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_at: Int;
  used_at: Int | null;
}

/** The pending step of a two-factor sign-in (0012_two_factor): token stored as SHA-256. */
export interface TwoFactorChallengesTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: Int;
  expires_at: Int;
  attempts: Generated<number>;
  used_at: Int | null;
}

/** Payment methods (0016_payments): one module per kind (payments/methods/), operator's settings. */
export interface PaymentMethodsTable {
  id: Generated<number>;
  name: string;
  kind: string;
  instructions: string;
  min_units: Int;
  max_units: Int;
  adjust_bp: number;
  enabled: number;
  position: number;
  /** JSON object of the method's settings that are not secret. */
  config: string;
  /** The method's secrets, sealed by payments/secret-box.ts; null when it has none. */
  sealed_secrets: string | null;
  created_at: Int;
  updated_at: Int;
}

/** Payments (0016_payments); state per payments/payment.state.ts. */
export interface PaymentsTable {
  id: Generated<number>;
  user_id: number;
  method_id: number;
  state: string;
  currency: string;
  amount_units: Int;
  adjust_bp: number;
  received_units: Int | null;
  credited_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  reversed_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  shortfall_units: ColumnType<number | bigint | string, number | bigint | undefined, number | bigint>;
  reference: string | null;
  gateway_ref: string | null;
  gateway_status: string | null;
  pay_url: string | null;
  expires_at: Int | null;
  next_check_at: Int | null;
  checks: Generated<number>;
  decided_by: number | null;
  note: string | null;
  created_at: Int;
  updated_at: Int;
  ended_at: Int | null;
}

/** What a gateway said about a payment, raw, and what the panel did with it (0016_payments). */
export interface PaymentEventsTable {
  id: Generated<number>;
  payment_id: number | null;
  method_id: number;
  source: string;
  outcome: string;
  gateway_status: string | null;
  body: string;
  remote: string | null;
  created_at: Int;
}

export interface Database {
  users: UsersTable;
  ledger_entries: LedgerEntriesTable;
  settings: SettingsTable;
  services: ServicesTable;
  user_rates: UserRatesTable;
  orders: OrdersTable;
  refills: RefillsTable;
  providers: ProvidersTable;
  alerts: AlertsTable;
  web_sessions: WebSessionsTable;
  tickets: TicketsTable;
  ticket_messages: TicketMessagesTable;
  password_resets: PasswordResetsTable;
  audit_log: AuditLogTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  order_checks: OrderChecksTable;
  categories: CategoriesTable;
  recovery_codes: RecoveryCodesTable;
  two_factor_challenges: TwoFactorChallengesTable;
  payment_methods: PaymentMethodsTable;
  payments: PaymentsTable;
  payment_events: PaymentEventsTable;
}
