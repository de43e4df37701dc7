/**
 * Seeding a panel with millions of orders for the scale scenarios (bench/scale.ts, docs/benchmarks.md
 * "Scale"), in minutes: the catalogue, the measured customer and a few other users through the panel's
 * use cases (bench/seed.ts), the simulated provider as upstream, then `users` users and `orders` orders
 * in set-based INSERT ... SELECT statements (a recursive counter on SQLite, generate_series on
 * Postgres), one statement and one transaction per chunk of a million, with the orders table's
 * secondary indexes dropped during the load and built again after it (a sorted build instead of
 * millions of scattered inserts).
 *
 * The skew is a real panel's: per 1,000 orders, 100 active orders sent to the simulator (which knows
 * them: they are its preloaded orders, checked again within half an hour), 2 queued (due later), 1 running
 * drip-feed parent (next run due later), 20 ended drip-feed parents, 1 ended subscription, 10 canceled
 * before being sent, and the rest sent and ended (Completed 70 %, Partial 15 %, Canceled 15 %). Of all
 * orders, 30 % are the measured customer's, 15 % and 10 % two other wholesale users', and the rest
 * spread over the bulk users.
 *
 * What it does not create: ledger entries for the bulk orders (their charges and refunds were never
 * debited, the bulk users' balances are 0), the runs of drip-feed parents, refills, payments, and
 * simulator records for the ended orders. `smm-panel ledger check` reports these databases as
 * inconsistent; they exist to measure queries, not to audit money.
 */

import { sql } from 'kysely';
import { startSession } from '../src/accounts/start-session.js';
import { findUserByUsername } from '../src/accounts/users.repo.js';
import { type Db, openDatabase } from '../src/db/connect.js';
import { PRELOADED } from '../src/dev/simulator.js';
import { benchAdmin } from './admin.js';
import { addSimulatorProvider } from './engine.js';
import { type Seeded, seed } from './seed.js';

/** Orders per INSERT statement (and transaction). */
const CHUNK = 1_000_000;

export interface ScaleSeeded extends Seeded {
  /** Orders in the table (the bulk ones and those placed by bench/seed.ts). */
  orders: number;
  /** Active orders sent to the simulator: BENCH_SIM_PRELOAD of the simulator child. */
  active: number;
  /** Session tokens: the measured customer's, and an admin's. */
  customerSession: string;
  adminSession: string;
  /** A deep page: an order id of the customer's with about half of their orders after it. */
  deepBefore: number;
  /** 100 ids of the customer's bulk orders, spread over the table, for `status` with 100 ids. */
  spreadIds: number[];
  seconds: number;
}

export async function seedScale(
  url: string,
  p: { orders: number; users: number; simUrl: string; simKey: string; log: (line: string) => void },
): Promise<ScaleSeeded> {
  const t0 = performance.now();
  const base = await seed(url);
  const db = await openDatabase(url);
  try {
    const customer = await findUserByUsername(db.db, 'bench_main');
    const wholesale2 = await findUserByUsername(db.db, 'bench_user_0');
    const wholesale3 = await findUserByUsername(db.db, 'bench_user_1');
    if (!customer || !wholesale2 || !wholesale3) throw new Error('scale seed: bench users missing');
    const { providerId, serviceId, rateUnits } = await addSimulatorProvider(db, p.simUrl, p.simKey);
    const firstBulkUser = await bulkUsers(db, p.users);
    const admin = await benchAdmin(db.db);

    const indexes = await dropOrderIndexes(db);
    const now = Date.now();
    for (let from = 1; from <= p.orders; from += CHUNK) {
      const to = Math.min(p.orders, from + CHUNK - 1);
      const c0 = performance.now();
      await bulkOrders(db, {
        from,
        to,
        total: p.orders,
        now,
        customer: customer.id,
        wholesale: [wholesale2.id, wholesale3.id],
        firstBulkUser,
        users: p.users,
        providerId,
        serviceId,
        rateUnits,
      });
      p.log(
        `           orders ${from.toLocaleString('en-US')}..${to.toLocaleString('en-US')} in ${((performance.now() - c0) / 1000).toFixed(1)} s`,
      );
    }
    // The sync's schedule: active orders are in a steady state, their next checks spread over the next
    // half hour as the sync's backoff leaves them (bench/scale.ts makes them all due afterwards to
    // measure a full sync).
    const s0 = performance.now();
    await sql`INSERT INTO order_checks (order_id, provider_id, next_check_at, unchanged_checks)
      SELECT id, provider_id, ${now} + ((id * 7919) % ${SPREAD_MS}), 0 FROM orders
      WHERE dispatch_state = 'sent' AND status IN ('pending', 'processing', 'in_progress')`.execute(db.db);
    p.log(
      `           checks of the active orders scheduled in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
    );
    const i0 = performance.now();
    for (const create of indexes) await sql.raw(create).execute(db.db);
    p.log(
      `           ${indexes.length} indexes of orders built in ${((performance.now() - i0) / 1000).toFixed(1)} s`,
    );
    await sql.raw(db.dialect === 'sqlite' ? 'ANALYZE' : 'VACUUM ANALYZE').execute(db.db);
    // The next checks were spread over the half hour from the start of the load; those that fell due
    // while it ran (a tenth of the active orders at 10M, whose seed takes minutes) move to the end of
    // the half hour, so that the worker meets the steady state (about active / 1800 checks a second),
    // not a backlog to catch up while the calls are measured.
    const due = await moveDueChecksAhead(db.db);
    p.log(`           ${due.toLocaleString('en-US')} checks due during the load moved ahead`);
    // The load written out now, not by the checkpointer (Postgres) or the WAL's next checkpoint
    // (SQLite) while the calls are measured: gigabytes at 10M, on the machine's two cores and its disk.
    await writeOut(db);

    const total = await db.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const mine = await db.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', customer.id)
      .where('id', '>', base.orderIds.at(-1) ?? 0)
      .orderBy('id')
      .execute();
    const ids = mine.map((r) => Number(r.id));
    const step = Math.max(1, Math.floor(ids.length / 100));
    const spreadIds = Array.from({ length: Math.min(100, ids.length) }, (_, i) => ids[i * step] as number);
    return {
      ...base,
      orders: Number(total.n),
      active: activeCount(p.orders),
      customerSession: await startSession({ db: db.db, userId: customer.id, now }),
      adminSession: await startSession({ db: db.db, userId: admin.id, now }),
      deepBefore: ids[Math.floor(ids.length / 2)] ?? 1,
      spreadIds: spreadIds.length === 100 ? spreadIds : base.orderIds,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await db.close();
  }
}

/** Active orders' next checks are spread over this much time ahead. */
const SPREAD_MS = 30 * 60_000;

/**
 * The checks due by now moved half an hour ahead (into the seed's spread of checks, or past it), so
 * that a worker starting now meets the steady state, not a backlog: after the seed's load, and before
 * each round of the scale bench, for the checks that fell due while that size's server was stopped.
 * How many moved.
 */
export async function moveDueChecksAhead(db: Db['db']): Promise<number> {
  const due = await sql`UPDATE order_checks SET next_check_at = next_check_at + ${SPREAD_MS}
    WHERE next_check_at <= ${Date.now()}`.execute(db);
  return Number(due.numAffectedRows ?? 0);
}

/** The database's changes written out to its files (SQLite's WAL, Postgres's checkpoint). */
export async function writeOut(db: Db): Promise<void> {
  await sql.raw(db.dialect === 'sqlite' ? 'PRAGMA wal_checkpoint(TRUNCATE)' : 'CHECKPOINT').execute(db.db);
}

/** Active orders per 1,000, each with its own preloaded order at the simulator. */
const ACTIVE_PER_1000 = 100;

export function activeCount(orders: number): number {
  return Math.ceil(orders / 1000) * ACTIVE_PER_1000;
}

/** The series 1..`to` from `from`, as a FROM clause naming its column n. */
function series(db: Db, from: number, to: number): string {
  return db.dialect === 'sqlite'
    ? `(WITH RECURSIVE c(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM c WHERE n < ${to}) SELECT n FROM c) AS s`
    : `generate_series(${from}::bigint, ${to}::bigint) AS s(n)`;
}

/** `count` users without keys, passwords or money (balance 0, no ledger entries); the first one's id. */
async function bulkUsers(db: Db, count: number): Promise<number> {
  const before = await db.db
    .selectFrom('users')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  await sql
    .raw(
      `INSERT INTO users (username, created_at) SELECT 'scale_' || n, ${Date.now()} FROM ${series(db, 1, count)}`,
    )
    .execute(db.db);
  return Number(before.id ?? 0) + 1;
}

/**
 * Drop the secondary indexes of orders (their definitions are kept to build them again): a bulk load
 * into a table with ten indexes updates each of them row by row, in random places.
 */
async function dropOrderIndexes(db: Db): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await sql<{ name: string; def: string }>`SELECT name, sql AS def FROM sqlite_master
          WHERE type = 'index' AND tbl_name = 'orders' AND sql IS NOT NULL`.execute(db.db)
      : await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes
          WHERE tablename = 'orders' AND indexname NOT LIKE '%_pkey'`.execute(db.db);
  for (const r of rows.rows) await sql`DROP INDEX ${sql.id(r.name)}`.execute(db.db);
  return rows.rows.map((r) => r.def);
}

async function bulkOrders(
  db: Db,
  p: {
    from: number;
    to: number;
    total: number;
    now: number;
    customer: number;
    wholesale: [number, number];
    firstBulkUser: number;
    users: number;
    providerId: number;
    serviceId: number;
    rateUnits: string;
  },
): Promise<void> {
  const k = '(n % 1000)';
  const u = '(n % 100)';
  // Active orders take the simulator's preloaded upstream ids in order: the i-th active order (i from
  // 0) is upstream order firstId + i.
  const activeIndex = `((n / 1000) * ${ACTIVE_PER_1000} + ${k})`;
  const created = `${p.now} - (${p.total} - n) * 1000`;
  // Outcomes of the ended orders (k >= 103): the same within each block of 1,000.
  const block = '((n / 1000) % 20)';
  const canceled = `(${k} >= 126 AND ${k} < 136 OR ${k} >= 136 AND ${block} >= 17)`;
  const partial = `(${k} >= 136 AND ${block} >= 14 AND ${block} < 17)`;
  const columns: Record<string, string> = {
    user_id: `CASE WHEN ${u} < 30 THEN ${p.customer} WHEN ${u} < 45 THEN ${p.wholesale[0]}
      WHEN ${u} < 55 THEN ${p.wholesale[1]} ELSE ${p.firstBulkUser} + ((n * 7919) % ${p.users}) END`,
    service_id: String(p.serviceId),
    type: `CASE WHEN ${k} = 103 THEN 'Subscriptions' ELSE 'Default' END`,
    link: `'https://www.instagram.com/p/scale' || n`,
    quantity: String(PRELOADED.quantity),
    runs: `CASE WHEN ${k} = 102 OR (${k} >= 106 AND ${k} < 126) THEN 10 ELSE NULL END`,
    interval_minutes: `CASE WHEN ${k} = 102 OR (${k} >= 106 AND ${k} < 126) THEN 60 ELSE NULL END`,
    params: `CASE WHEN ${k} = 103 THEN '{"username":"scale","min":100,"max":200,"posts":5}' ELSE NULL END`,
    rate_units: p.rateUnits,
    charge_units: p.rateUnits,
    refunded_units: `CASE WHEN ${k} < 103 THEN 0 WHEN ${canceled} THEN ${p.rateUnits}
      WHEN ${partial} THEN ${p.rateUnits} / 2 ELSE 0 END`,
    status: `CASE WHEN ${k} < ${ACTIVE_PER_1000} OR ${k} = 102 THEN 'in_progress' WHEN ${k} < 102 THEN 'pending'
      WHEN ${canceled} THEN 'canceled' WHEN ${partial} THEN 'partial' ELSE 'completed' END`,
    remains: `CASE WHEN ${k} < ${ACTIVE_PER_1000} THEN ${PRELOADED.remains} WHEN ${k} < 103 THEN ${PRELOADED.quantity}
      WHEN ${canceled} THEN ${PRELOADED.quantity} WHEN ${partial} THEN ${PRELOADED.quantity / 2} ELSE 0 END`,
    start_count: String(PRELOADED.startCount),
    cancel_requested_at: `CASE WHEN ${k} >= 126 AND ${k} < 136 THEN ${created} + 1000 ELSE NULL END`,
    cancel_state: `CASE WHEN ${k} >= 126 AND ${k} < 136 THEN 'done' ELSE NULL END`,
    created_at: created,
    updated_at: `${created} + 60000`,
    finished_at: `CASE WHEN ${k} < 103 THEN NULL ELSE ${created} + 60000 END`,
    dispatch_state: `CASE WHEN ${k} < ${ACTIVE_PER_1000} THEN 'sent' WHEN ${k} < 102 THEN 'queued'
      WHEN ${k} = 102 OR (${k} >= 106 AND ${k} < 126) THEN 'runs' WHEN ${k} >= 126 AND ${k} < 136 THEN 'closed'
      ELSE 'sent' END`,
    provider_id: String(p.providerId),
    provider_order_id: `CASE WHEN ${k} < ${ACTIVE_PER_1000} THEN CAST(${PRELOADED.firstId} + ${activeIndex} AS TEXT)
      WHEN ${k} = 102 OR (${k} >= 106 AND ${k} < 136) THEN NULL ELSE 'ended-' || n END`,
    dispatch_attempts: `CASE WHEN ${k} >= 100 AND ${k} < 103 OR ${k} >= 106 AND ${k} < 136 THEN 0 ELSE 1 END`,
    // Queued orders and running parents are due in a day: the claim and the runs sweep search for due
    // rows every round, and find none among millions.
    next_attempt_at: `CASE WHEN ${k} >= 100 AND ${k} < 103 THEN ${p.now + 86_400_000} + n ELSE NULL END`,
  };
  const names = Object.keys(columns);
  await sql
    .raw(
      `INSERT INTO orders (${names.join(', ')}) SELECT ${names.map((c) => columns[c]).join(', ')} ` +
        `FROM ${series(db, p.from, p.to)}`,
    )
    .execute(db.db);
}
