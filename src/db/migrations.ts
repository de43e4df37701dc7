/**
 * Schema migrations, kept in code so that both dialects run the same steps. Each migration is
 * append-only: a released migration is never edited, a change is a new one.
 */
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely';
import type { DialectName } from './executor.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations work on the untyped schema
type AnyDb = Kysely<any>;

function migrations(dialect: DialectName): Record<string, Migration> {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's column builder
  const idColumn = (col: any) =>
    pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();
  const idType = pg ? 'bigint' : 'integer';

  return {
    '0001_core': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('users')
          .addColumn('id', idType, idColumn)
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text')
          .addColumn('api_key_hash', 'text', (c) => c.unique())
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('balance_units', big, (c) => c.notNull().defaultTo(0).check(sql`balance_units >= 0`))
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('ledger_entries')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('amount_units', big, (c) => c.notNull())
          .addColumn('balance_after_units', big, (c) => c.notNull().check(sql`balance_after_units >= 0`))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('order_id', idType)
          .addColumn('idem_key', 'text', (c) => c.unique())
          .addColumn('note', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('ledger_user_idx')
          .on('ledger_entries')
          .columns(['user_id', 'id'])
          .execute();

        await db.schema
          .createTable('services')
          .addColumn('id', idType, idColumn)
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('rate_units', big, (c) => c.notNull().check(sql`rate_units >= 0`))
          .addColumn('min_quantity', big, (c) => c.notNull())
          .addColumn('max_quantity', big, (c) => c.notNull())
          .addColumn('dripfeed', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('refill', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('cancel', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', big, (c) => c.notNull())
          .addCheckConstraint('services_min_max', sql`min_quantity >= 1 AND max_quantity >= min_quantity`)
          .execute();

        await db.schema
          .createTable('user_rates')
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('service_id', idType, (c) => c.notNull().references('services.id'))
          .addColumn('rate_units', big, (c) => c.notNull().check(sql`rate_units >= 0`))
          .addPrimaryKeyConstraint('user_rates_pk', ['user_id', 'service_id'])
          .execute();

        await db.schema
          .createTable('orders')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('service_id', idType, (c) => c.notNull().references('services.id'))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('link', 'text')
          .addColumn('quantity', big, (c) => c.notNull())
          .addColumn('runs', 'integer')
          .addColumn('interval_minutes', 'integer')
          .addColumn('params', 'text')
          .addColumn('rate_units', big, (c) => c.notNull())
          .addColumn('charge_units', big, (c) => c.notNull().check(sql`charge_units >= 0`))
          .addColumn('refunded_units', big, (c) => c.notNull().defaultTo(0))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('remains', big, (c) => c.notNull())
          .addColumn('start_count', big)
          .addColumn('cancel_requested_at', big)
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('finished_at', big)
          .addCheckConstraint(
            'orders_refund_le_charge',
            sql`refunded_units >= 0 AND refunded_units <= charge_units`,
          )
          .execute();
        await db.schema.createIndex('orders_user_idx').on('orders').columns(['user_id', 'id']).execute();
        await db.schema.createIndex('orders_status_idx').on('orders').columns(['status', 'id']).execute();

        await db.schema
          .createTable('refills')
          .addColumn('id', idType, idColumn)
          .addColumn('order_id', idType, (c) => c.notNull().references('orders.id'))
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('refills_order_idx').on('refills').columns(['order_id']).execute();
        await db.schema.createIndex('refills_user_idx').on('refills').columns(['user_id', 'id']).execute();
        // At most one open refill per order, enforced by the database itself.
        await db.schema
          .createIndex('refills_one_open_idx')
          .on('refills')
          .column('order_id')
          .unique()
          .where(sql.ref('status'), 'in', ['pending', 'in_progress'])
          .execute();
      },
    },
    '0002_fulfilment': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('providers')
          .addColumn('id', idType, idColumn)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('url', 'text', (c) => c.notNull())
          // The key we use *at* the upstream panel: it must be sent, so it cannot be hashed. Never printed.
          .addColumn('api_key', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
          .addColumn('held_reason', 'text')
          .addColumn('held_at', big)
          .addColumn('next_probe_at', big)
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('alerts')
          .addColumn('id', idType, idColumn)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('provider_id', idType)
          .addColumn('order_id', idType)
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('resolved_at', big)
          .execute();
        await db.schema.createIndex('alerts_open_idx').on('alerts').columns(['resolved_at', 'id']).execute();

        await db.schema.alterTable('services').addColumn('provider_id', idType).execute();
        await db.schema.alterTable('services').addColumn('provider_service_id', 'text').execute();
        await db.schema.alterTable('services').addColumn('provider_rate', 'text').execute();
        await db.schema
          .alterTable('services')
          .addColumn('provider_dripfeed', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // Days after completion during which a refill may be asked; NULL = for the order's lifetime.
        await db.schema.alterTable('services').addColumn('refill_days', 'integer').execute();
        await db.schema
          .createIndex('services_provider_idx')
          .on('services')
          .columns(['provider_id', 'provider_service_id'])
          .execute();

        // Fulfilment state of an order, beside its customer-facing status:
        //   manual   the operator fulfils it by hand (no provider)
        //   queued   waiting to be sent (next_attempt_at)
        //   sending  claimed by a worker, the request may be on the wire
        //   sent     the provider accepted it (provider_order_id)
        //   held     our account at the provider refused it (funds, key): sent again once fixed
        //   review   the outcome of a send is unknown: the operator decides, it is never re-sent
        //   runs     drip-feed split by the engine: the runs are child orders
        //   closed   ended without being sent (canceled locally, refused upstream)
        const orderColumns: [string, string, ((c: any) => any)?][] = [
          ['dispatch_state', 'text', (c) => c.notNull().defaultTo('manual')],
          ['provider_id', idType],
          ['provider_order_id', 'text'],
          ['provider_charge_units', big],
          ['dispatch_attempts', 'integer', (c) => c.notNull().defaultTo(0)],
          ['next_attempt_at', big],
          ['claimed_by', 'text'],
          ['claimed_at', big],
          ['last_error', 'text'],
          ['next_check_at', big],
          ['unchanged_checks', 'integer', (c) => c.notNull().defaultTo(0)],
          ['cancel_state', 'text'],
          ['parent_order_id', idType],
          ['run_index', 'integer'],
          ['delivered_posts', 'integer'],
        ];
        for (const [name, type, build] of orderColumns) {
          await db.schema
            .alterTable('orders')
            .addColumn(name, type as 'text', build ?? ((c) => c))
            .execute();
        }
        await db.schema
          .createIndex('orders_dispatch_idx')
          .on('orders')
          .columns(['dispatch_state', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('orders_sync_idx')
          .on('orders')
          .columns(['provider_id', 'dispatch_state', 'next_check_at'])
          .execute();
        await db.schema
          .createIndex('orders_parent_idx')
          .on('orders')
          .columns(['parent_order_id', 'run_index'])
          .execute();

        await db.schema.alterTable('refills').addColumn('provider_refill_id', 'text').execute();
        await db.schema
          .alterTable('refills')
          .addColumn('forward_state', 'text', (c) => c.notNull().defaultTo('manual'))
          .execute();
        await db.schema.alterTable('refills').addColumn('next_check_at', big).execute();
        await db.schema.alterTable('refills').addColumn('last_error', 'text').execute();
        await db.schema
          .createIndex('refills_forward_idx')
          .on('refills')
          .columns(['forward_state', 'next_check_at'])
          .execute();
      },
    },
    '0003_cancel_index': {
      async up(db: AnyDb) {
        // The engine looks for cancels to carry out every round: only the few orders with an open
        // cancel request are in this index, however many orders are active.
        await db.schema
          .createIndex('orders_open_cancel_idx')
          .on('orders')
          .column('id')
          .where(sql.ref('cancel_requested_at'), 'is not', null)
          .where(sql.ref('cancel_state'), 'is', null)
          .execute();
      },
    },
    '0004_engine_states': {
      async up(db: AnyDb) {
        // How many `add` requests one worker process may have in flight at one provider. SmartPanel-like
        // panels debit their balance without a lock: several adds arriving at the same moment can all
        // pass on one balance and the panel later loses the money (or cancels them). 1 is safe; the
        // operator raises it for panels that cope (smm-panel providers set-limit).
        await db.schema
          .alterTable('providers')
          .addColumn('send_limit', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      },
    },
    '0005_operator_tools': {
      async up(db: AnyDb) {
        // 1 when the operator set the rate (services create/update): a re-import keeps it unless told
        // to overwrite. Providers may now also be in state 'disabled' (no new sends; text column).
        await db.schema
          .alterTable('services')
          .addColumn('rate_set_by_hand', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    '0006_subscription_reserve': {
      async up(db: AnyDb) {
        // The money set aside for a subscription without a post limit (docs/fulfilment.md): debited
        // through the ledger when it is placed (kind order_reserve), paying its delivered posts, topped
        // up after each payment and returned when it ends (order_reserve_return). Never negative.
        await db.schema
          .alterTable('orders')
          .addColumn('reserve_units', big, (c) => c.notNull().defaultTo(0).check(sql`reserve_units >= 0`))
          .execute();
      },
    },
    '0007_web_sessions': {
      async up(db: AnyDb) {
        // Web panel sessions: only the SHA-256 of the session token is stored, so a copy of the
        // database opens no session. A session ends when deleted (sign-out, sign-out everywhere, the
        // user disabled) or when it expires.
        await db.schema
          .createTable('web_sessions')
          .addColumn('id', idType, idColumn)
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('last_seen_at', big, (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('web_sessions_user_idx').on('web_sessions').column('user_id').execute();
        // A re-sent order form (double click, retry after a lost answer) places one order: the
        // key is unique per user, and the order it created is answered again.
        await db.schema.alterTable('orders').addColumn('idem_key', 'text').execute();
        await db.schema
          .createIndex('orders_user_idem_idx')
          .on('orders')
          .columns(['user_id', 'idem_key'])
          .unique()
          .where(sql.ref('idem_key'), 'is not', null)
          .execute();
      },
    },
    '0008_tickets': {
      async up(db: AnyDb) {
        // Support tickets: a customer's question and the thread of replies (src/tickets/). A ticket's
        // order ids are kept as text: they are shown, never joined on.
        await db.schema
          .createTable('tickets')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('order_ids', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('tickets_user_idx').on('tickets').columns(['user_id', 'id']).execute();
        await db.schema
          .createTable('ticket_messages')
          .addColumn('id', idType, idColumn)
          .addColumn('ticket_id', idType, (c) => c.notNull().references('tickets.id'))
          .addColumn('author_user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('from_staff', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('ticket_messages_ticket_idx')
          .on('ticket_messages')
          .columns(['ticket_id', 'id'])
          .execute();
      },
    },
    '0009_password_resets': {
      async up(db: AnyDb) {
        // An optional e-mail per user (stored lower-cased; at most one account per address) for
        // password resets by mail; and the reset tokens, stored as SHA-256 only, like sessions.
        await db.schema.alterTable('users').addColumn('email', 'text').execute();
        await db.schema.createIndex('users_email_idx').on('users').column('email').unique().execute();
        await db.schema
          .createTable('password_resets')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .addColumn('used_at', big)
          .execute();
        await db.schema
          .createIndex('password_resets_user_idx')
          .on('password_resets')
          .columns(['user_id', 'created_at'])
          .execute();
      },
    },
    '0010_session_details': {
      async up(db: AnyDb) {
        // The Account page lists a user's sessions with the device (from the user agent, cut to 200
        // characters) and the address they were opened from, so a stranger's session can be ended.
        await db.schema.alterTable('web_sessions').addColumn('user_agent', 'text').execute();
        await db.schema.alterTable('web_sessions').addColumn('ip', 'text').execute();
        // The tickets list pages by (updated_at, id), newest first.
        await db.schema
          .createIndex('tickets_user_updated_idx')
          .on('tickets')
          .columns(['user_id', 'updated_at', 'id'])
          .execute();
      },
    },
    '0011_staff_audit': {
      async up(db: AnyDb) {
        // Staff roles (src/accounts/roles.ts): role is the one source of truth, is_admin goes.
        await db.schema
          .alterTable('users')
          .addColumn('role', 'text', (c) =>
            c.notNull().defaultTo('customer').check(sql`role in ('customer', 'support', 'admin')`),
          )
          .execute();
        await db.updateTable('users').set({ role: 'admin' }).where('is_admin', '=', 1).execute();
        await db.schema.alterTable('users').dropColumn('is_admin').execute();

        // The audit log (src/audit/): every operator action, who, when, what, before and after.
        // Append-only like a ledger: the database itself refuses UPDATE and DELETE.
        await db.schema
          .createTable('audit_log')
          .addColumn('id', idType, idColumn)
          .addColumn('at', big, (c) => c.notNull())
          .addColumn('actor_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('web', 'cli')`))
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject_type', 'text', (c) => c.notNull())
          .addColumn('subject_id', 'text', (c) => c.notNull())
          .addColumn('before', 'text')
          .addColumn('after', 'text')
          .addColumn('note', 'text')
          .execute();
        await db.schema
          .createIndex('audit_log_actor_idx')
          .on('audit_log')
          .columns(['actor_id', 'id'])
          .execute();
        await db.schema
          .createIndex('audit_log_subject_idx')
          .on('audit_log')
          .columns(['subject_type', 'subject_id', 'id'])
          .execute();
        await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
        if (pg) {
          await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
            begin raise exception 'audit_log is append-only'; end $$`.execute(db);
          await sql`create trigger audit_log_no_change before update or delete on audit_log
            for each row execute function audit_log_append_only()`.execute(db);
          await sql`create trigger audit_log_no_truncate before truncate on audit_log
            for each statement execute function audit_log_append_only()`.execute(db);
        } else {
          await sql`create trigger audit_log_no_update before update on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
          await sql`create trigger audit_log_no_delete before delete on audit_log
            begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
        }
      },
    },
    '0012_two_factor': {
      async up(db: AnyDb) {
        // Two-factor sign-in (src/accounts/two-factor.ts): the TOTP secret (pending until the first
        // code confirms it), when it was turned on, and the last time step used (a code works once).
        await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
        await db.schema.alterTable('users').addColumn('totp_enabled_at', big).execute();
        await db.schema.alterTable('users').addColumn('totp_last_step', big).execute();
        // Recovery codes: SHA-256 only (high entropy, like API keys), each works once.
        await db.schema
          .createTable('recovery_codes')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('used_at', big)
          .execute();
        await db.schema
          .createIndex('recovery_codes_user_idx')
          .on('recovery_codes')
          .columns(['user_id', 'code_hash'])
          .execute();
        // The sign-in step between the password and the code: a random token (SHA-256 stored), short
        // lived, one use, a few tries.
        await db.schema
          .createTable('two_factor_challenges')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('used_at', big)
          .execute();
      },
    },
    '0013_ticket_reads': {
      async up(db: AnyDb) {
        // The staff inbox's unread counts: the last message of a ticket that any staff member has seen
        // (opening the ticket in the admin area sets it). A customer message with a larger id is
        // unread. Message ids, not times: two messages in the same millisecond stay apart.
        await db.schema.alterTable('tickets').addColumn('staff_read_message_id', idType).execute();
        // The inbox lists everyone's tickets by state and most recent activity.
        await db.schema
          .createIndex('tickets_state_updated_idx')
          .on('tickets')
          .columns(['state', 'updated_at', 'id'])
          .execute();
      },
    },
    '0014_catalogue_positions': {
      async up(db: AnyDb) {
        // The order customers see (API v2 `services`, the web catalogue): categories by their
        // position, then services by theirs within the category, then id. A category is still named
        // by services.category; the table only holds its place. Existing rows keep today's order
        // (category by the database's own sort of the name, then id).
        await db.schema
          .createTable('categories')
          .addColumn('id', idType, idColumn)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('position', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .alterTable('services')
          .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        const names = await db
          .selectFrom('services')
          .select('category')
          .distinct()
          .orderBy('category')
          .execute();
        let position = 0;
        for (const { category } of names) {
          position += 1;
          await db.insertInto('categories').values({ name: category, position }).execute();
        }
        await db.updateTable('services').set({ position: sql`id` }).execute();
      },
    },
    '0015_worker_heartbeats': {
      async up(db: AnyDb) {
        // Each running worker's last sign of life, so /ready can tell a panel whose engine stopped.
        await db.schema
          .createTable('worker_heartbeats')
          .addColumn('worker_id', 'text', (c) => c.primaryKey())
          .addColumn('started_at', big, (c) => c.notNull())
          .addColumn('seen_at', big, (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('host', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0016_payments': {
      async up(db: AnyDb) {
        // Money in (docs/payments.md). A payment method is one module (payments/methods/<kind>.ts)
        // with the operator's settings; its secrets are sealed with the panel's secrets key
        // (payments/secret-box.ts), never stored in the clear.
        await db.schema
          .createTable('payment_methods')
          .addColumn('id', idType, idColumn)
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('instructions', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('min_units', big, (c) => c.notNull().check(sql`min_units > 0`))
          .addColumn('max_units', big, (c) => c.notNull())
          // Fee (negative) or bonus (positive) in basis points of the amount received.
          .addColumn('adjust_bp', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('sealed_secrets', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addCheckConstraint('payment_methods_limits', sql`max_units >= min_units`)
          .addCheckConstraint('payment_methods_adjust', sql`adjust_bp > -10000 AND adjust_bp <= 10000`)
          .execute();
        // One row per attempt to add funds; state per payments/payment.state.ts. Amounts are in the
        // panel currency at the time (currency): amount asked, amount the gateway (or the approving
        // admin) confirmed as received, amount credited (received with the fee or bonus), and what a
        // reversal took back and could not take back (shortfall).
        await db.schema
          .createTable('payments')
          .addColumn('id', idType, idColumn)
          .addColumn('user_id', idType, (c) => c.notNull().references('users.id'))
          .addColumn('method_id', idType, (c) => c.notNull().references('payment_methods.id'))
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('amount_units', big, (c) => c.notNull().check(sql`amount_units > 0`))
          .addColumn('adjust_bp', 'integer', (c) => c.notNull())
          .addColumn('received_units', big)
          .addColumn('credited_units', big, (c) => c.notNull().defaultTo(0).check(sql`credited_units >= 0`))
          .addColumn('reversed_units', big, (c) => c.notNull().defaultTo(0).check(sql`reversed_units >= 0`))
          .addColumn('shortfall_units', big, (c) => c.notNull().defaultTo(0).check(sql`shortfall_units >= 0`))
          .addColumn('reference', 'text')
          .addColumn('gateway_ref', 'text')
          .addColumn('gateway_status', 'text')
          .addColumn('pay_url', 'text')
          .addColumn('expires_at', big)
          .addColumn('next_check_at', big)
          .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('decided_by', idType, (c) => c.references('users.id'))
          .addColumn('note', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('ended_at', big)
          .addCheckConstraint('payments_reversal', sql`reversed_units + shortfall_units <= credited_units`)
          .execute();
        await db.schema.createIndex('payments_user_idx').on('payments').columns(['user_id', 'id']).execute();
        await db.schema
          .createIndex('payments_state_idx')
          .on('payments')
          .columns(['state', 'method_id', 'id'])
          .execute();
        await db.schema
          .createIndex('payments_check_idx')
          .on('payments')
          .columns(['next_check_at'])
          .where(sql.ref('next_check_at'), 'is not', null)
          .execute();
        await db.schema
          .createIndex('payments_gateway_ref_idx')
          .on('payments')
          .columns(['method_id', 'gateway_ref'])
          .unique()
          .where(sql.ref('gateway_ref'), 'is not', null)
          .execute();
        await db.schema.createIndex('payments_created_idx').on('payments').columns(['created_at']).execute();
        // What the gateway said, as it said it (callbacks and status answers), and what the panel did
        // with it; callbacks for no known payment are kept too (payment_id null).
        await db.schema
          .createTable('payment_events')
          .addColumn('id', idType, idColumn)
          .addColumn('payment_id', idType, (c) => c.references('payments.id'))
          .addColumn('method_id', idType, (c) => c.notNull().references('payment_methods.id'))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('gateway_status', 'text')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('remote', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('payment_events_payment_idx')
          .on('payment_events')
          .columns(['payment_id', 'id'])
          .execute();
        // The ledger entry that credits (or reverses) a payment names it.
        await db.schema.alterTable('ledger_entries').addColumn('payment_id', idType).execute();
        await db.schema
          .createIndex('ledger_payment_idx')
          .on('ledger_entries')
          .columns(['payment_id'])
          .where(sql.ref('payment_id'), 'is not', null)
          .execute();
      },
    },
    '0017_due_work_indexes': {
      async up(db: AnyDb) {
        // The engine's per-round queries must read the work that is due, not the panel's history. The
        // indexes of 0002 lead with dispatch_state, but an order keeps its dispatch state once it has
        // ended (a completed order stays `sent` with its last next_check_at, an ended drip-feed parent
        // stays `runs`), so their ranges grow with every order ever placed; and SQLite's statistics only
        // know the average rows per dispatch_state, so on a skewed table (95 % ended `sent`) it may walk
        // the whole table instead (issue 12: the drip-feed sweep at 10M orders). Each index below holds
        // only the rows one query looks for; the queries name the same states as literals so that both
        // planners can prove the index applies (a bound parameter cannot be matched to a partial index).
        // Each leads with the state column although it is constant inside the index: SQLite compares
        // indexes by the constraints they match, so the partial index must match all that the 0002 one
        // does (on far fewer rows) to win; with the range column alone it lost the tie and SQLite kept
        // the 0002 index (test/query-plans.test.ts).
        const active = sql`status IN ('pending', 'processing', 'in_progress')`;
        const partial = async (name: string, columns: string[], where: ReturnType<typeof sql>) => {
          const cols = sql.join(columns.map((c) => sql.ref(c)));
          await sql`CREATE INDEX ${sql.id(name)} ON orders (${cols}) WHERE ${where}`.execute(db);
        };
        // Dispatch claim: queued orders by due time.
        await partial(
          'orders_queued_idx',
          ['dispatch_state', 'next_attempt_at', 'id'],
          sql`dispatch_state = 'queued'`,
        );
        // Stale-send recovery: the few orders being sent.
        await partial(
          'orders_sending_idx',
          ['dispatch_state', 'claimed_at'],
          sql`dispatch_state = 'sending'`,
        );
        // Sync lease: a provider's sent orders that are still active, by next check.
        await partial(
          'orders_active_sent_idx',
          ['provider_id', 'dispatch_state', 'next_check_at', 'id'],
          sql`dispatch_state = 'sent' AND ${active}`,
        );
        // Drip-feed parents still running: the due ones (next_attempt_at) and the sweep (NULL).
        await partial(
          'orders_active_parents_idx',
          ['dispatch_state', 'next_attempt_at'],
          sql`dispatch_state = 'runs' AND ${active}`,
        );
        // Cancels to carry out: an order that ended before its cancel was forwarded keeps an open
        // request forever, so orders_open_cancel_idx (0003) grows with those; this one does not.
        await partial(
          'orders_open_cancel_active_idx',
          ['cancel_state', 'id'],
          sql`cancel_requested_at IS NOT NULL AND cancel_state IS NULL AND ${active}`,
        );
        await db.schema.dropIndex('orders_open_cancel_idx').execute();
        // Forwarded refills still open, by next check (an ended refill keeps its forward state `sent`).
        await sql`CREATE INDEX refills_open_forwarded_idx ON refills (forward_state, next_check_at)
          WHERE forward_state = 'sent' AND status IN ('pending', 'in_progress')`.execute(db);
      },
    },
    '0018_drop_superseded_order_indexes': {
      async up(db: AnyDb) {
        // Every index of orders is written on each new order, and on each update that changes one of its
        // columns (on Postgres, on each update that is not HOT: every index then). 0002's two indexes over
        // all orders are superseded by 0017's partial ones for the engine's queries; what else read them
        // (the operator's orders in review and held, a provider's held orders, the due-work metrics) now
        // reads a partial index of its own, holding only those orders. The sync's lease moves
        // next_check_at of every order it checks, so orders_sync_idx cost a write per check as well.
        await sql`CREATE INDEX orders_review_idx ON orders (dispatch_state, id)
          WHERE dispatch_state = 'review'`.execute(db);
        await sql`CREATE INDEX orders_held_idx ON orders (dispatch_state, id)
          WHERE dispatch_state = 'held'`.execute(db);
        await db.schema.dropIndex('orders_dispatch_idx').execute();
        await db.schema.dropIndex('orders_sync_idx').execute();
      },
    },
    '0019_order_checks': {
      async up(db: AnyDb) {
        // The sync's schedule leaves orders (issue 12). Every check moved next_check_at, an indexed column
        // of orders: on Postgres no such update is HOT, so each check wrote an entry into every index
        // of the widest table, and left the old ones dead. The schedule now has a narrow table of its
        // own: one row per sent, active order (made by whatever sends it, removed when it ends), whose
        // updates touch two small indexes.
        await db.schema
          .createTable('order_checks')
          .addColumn('order_id', idType, (c) => c.primaryKey())
          .addColumn('provider_id', idType, (c) => c.notNull())
          .addColumn('next_check_at', big, (c) => c.notNull())
          .addColumn('unchanged_checks', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('order_checks_due_idx')
          .on('order_checks')
          .columns(['provider_id', 'next_check_at', 'order_id'])
          .execute();
        await sql`INSERT INTO order_checks (order_id, provider_id, next_check_at, unchanged_checks)
          SELECT id, provider_id, COALESCE(next_check_at, 0), unchanged_checks FROM orders
          WHERE dispatch_state = 'sent' AND status IN ('pending', 'processing', 'in_progress')
            AND provider_id IS NOT NULL`.execute(db);
        await db.schema.dropIndex('orders_active_sent_idx').execute();
        await db.schema.alterTable('orders').dropColumn('next_check_at').execute();
        await db.schema.alterTable('orders').dropColumn('unchanged_checks').execute();
      },
    },
  };
}

class CodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Each migration this code knows, with whether the database ran it (the names are the same in both
 * dialects; only the steps differ, and nothing runs here). */
function migrationStates(db: AnyDb) {
  return new Migrator({ db, provider: new CodeMigrations('sqlite') }).getMigrations();
}

/** The migrations this code knows that the database has not run (empty when it is current). */
export async function pendingMigrations(db: AnyDb): Promise<string[]> {
  return (await migrationStates(db)).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** The migrations the database has run, in order (empty for a database never migrated). */
export async function executedMigrations(db: AnyDb): Promise<string[]> {
  return (await migrationStates(db)).filter((m) => m.executedAt !== undefined).map((m) => m.name);
}

/** Every migration this code knows, in order (the same names in both dialects). */
export function knownMigrations(): string[] {
  return Object.keys(migrations('sqlite')).sort();
}

/** Run `step` with this dialect's migrations; a failed one is thrown, named. */
async function runMigrations(
  db: AnyDb,
  dialect: DialectName,
  step: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<void> {
  const { error, results } = await step(new Migrator({ db, provider: new CodeMigrations(dialect) }));
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(error)}`);
  }
}

/** Bring the schema up to date; safe to call from several processes at once (Kysely locks). */
export function migrateToLatest(db: AnyDb, dialect: DialectName): Promise<void> {
  // In order only: a database that ran a later migration than one it lacks is refused, not patched.
  return runMigrations(db, dialect, (m) => m.migrateToLatest());
}

/** Run the migrations up to and including `name` (a restore builds the schema its snapshot was made on). */
export function migrateUpTo(db: AnyDb, dialect: DialectName, name: string): Promise<void> {
  return runMigrations(db, dialect, (m) => m.migrateTo(name));
}
