/**
 * Every per-round query of the engine reads only the rows that are due, however many orders the panel
 * has ended: on a skewed table (most orders ended, a few active, queued, due), after ANALYZE, the plan
 * of each query must search the index meant for it and never walk the orders table (or an index over
 * all of it). The queries are the repositories' own: a plugin catches each one as the engine would
 * send it, and it is explained (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on Postgres) instead of run.
 */

import {
  CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { findRequestedCancels } from '../src/cancels/cancels.repo.js';
import type { Executor } from '../src/db/executor.js';
import { dueSends } from '../src/metrics/metrics.repo.js';
import { claimDue, recoverStale, requeueHeld } from '../src/orders/dispatch.repo.js';
import { findDueParents, findQuietParents } from '../src/orders/dripfeed.repo.js';
import {
  findCustomerOrderPage,
  findOrdersForOperator,
  findUserOrderStatuses,
} from '../src/orders/orders.repo.js';
import { FULL_SCAN_FROM, leaseDueForSync } from '../src/orders/sync.repo.js';
import { leaseDuePayments } from '../src/payments/payments.repo.js';
import { findForwardedRefillsDue, findRefillsToForward } from '../src/refills/refills.repo.js';
import { decisionCounts } from '../src/reports/reports.repo.js';
import { describeEachDb } from './helpers/db.js';

/** 20,000 by default; QUERY_PLANS_ORDERS=1000000 checks the same plans on a million orders. */
const ORDERS = Number(process.env.QUERY_PLANS_ORDERS ?? 20_000);
const NOW = 1_800_000_000_000;

/** Stops the first query it sees before it runs, keeping what would have been sent. */
class Catch extends Error {
  constructor(readonly query: CompiledQuery) {
    super('caught');
  }
}

function catcher(db: Executor): KyselyPlugin {
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      throw new Catch(db.getExecutor().compileQuery(args.node, args.queryId));
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}

/**
 * The first query `call` sends, not run. A query compiled once (db/prepared.ts) is caught as its
 * template, with a placeholder in each parameter's place: `values` are put in their places.
 */
async function firstQuery(
  db: Executor,
  call: (db: Executor) => Promise<unknown>,
  values: unknown[] = [],
): Promise<CompiledQuery> {
  try {
    await call(db.withPlugin(catcher(db)));
  } catch (err) {
    if (!(err instanceof Catch)) throw err;
    const parameters = err.query.parameters.map((p) => {
      const slot = typeof p === 'string' ? /^\u0000smm-param-(\d+)\u0000$/.exec(p) : null;
      return slot ? values[Number(slot[1])] : p;
    });
    return { ...err.query, parameters };
  }
  throw new Error('the call sent no query');
}

async function planOf(db: Executor, dialect: string, q: CompiledQuery): Promise<string[]> {
  const prefix = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const r = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(prefix + q.sql, [...q.parameters]),
  );
  return r.rows.map((row) => String(dialect === 'sqlite' ? row.detail : row['QUERY PLAN']));
}

/**
 * A panel after years: 95 % of the orders ended (sent and settled, their last check long past),
 * ended drip-feed parents, a few hundred active orders, a few queued, sending, in review or manual.
 * Skewed the way real tables are, so that statistics lead a planner astray if it can be led.
 */
async function seedSkewed(db: Executor, dialect: string): Promise<void> {
  await db
    .insertInto('users')
    .values([
      { username: 'wholesale', created_at: NOW },
      { username: 'small', created_at: NOW },
    ])
    .execute();
  await db
    .insertInto('providers')
    .values({ name: 'upstream', url: 'http://127.0.0.1:9/api/v2', api_key: 'k', created_at: NOW })
    .execute();
  await db
    .insertInto('services')
    .values({
      name: 'Followers',
      category: 'Instagram',
      type: 'default',
      rate_units: 10_000_000,
      min_quantity: 10,
      max_quantity: 100_000,
      created_at: NOW,
      provider_id: 1,
      provider_service_id: '1',
      description: '',
      refill: 0,
      dripfeed: 0,
      cancel: 1,
    })
    .execute();
  // k = n % 1000 chooses what the order is; the shares are in the comments.
  const k = sql`(n % 1000)`;
  const rows = sql`
    SELECT
      CASE WHEN n % 50 = 0 THEN 2 ELSE 1 END,
      1, 'default', 'https://instagram.com/p/x', 100, 0, 10000, 1000,
      CASE WHEN ${k} < 60 OR (${k} >= 960 AND ${k} < 980) OR ${k} IN (95, 96) THEN 'in_progress'
           WHEN ${k} < 70 OR ${k} >= 980 OR ${k} IN (97, 98) THEN 'pending'
           WHEN n % 3 = 0 THEN 'partial' WHEN n % 3 = 1 THEN 'canceled' ELSE 'completed' END,
      0, ${sql.lit(NOW)} - 86400000, ${sql.lit(NOW)} - n,
      CASE WHEN ${k} < 60 THEN 'sent'      -- 6 %: active, sent, followed by the sync
           WHEN ${k} < 62 THEN 'runs'      -- 0.2 %: active drip-feed parents
           WHEN ${k} < 70 THEN 'queued'    -- 0.8 %: waiting to be sent
           WHEN ${k} < 90 THEN 'runs'      -- 2 %: ended drip-feed parents
           WHEN ${k} < 95 THEN 'closed'    -- ended without being sent
           WHEN ${k} IN (97, 98) THEN 'held' -- 0.2 %: waiting for their provider to work again
           WHEN ${k} >= 960 AND ${k} < 970 THEN 'review'
           WHEN ${k} >= 970 AND ${k} < 980 THEN 'sending'
           WHEN ${k} >= 980 THEN 'manual'
           ELSE 'sent' END,                -- the rest: sent and ended long ago
      1,
      CASE WHEN ${k} < 62 THEN ${sql.lit(NOW)} - n WHEN ${k} < 70 THEN ${sql.lit(NOW)} - n ELSE NULL END,
      CASE WHEN ${k} >= 970 AND ${k} < 980 THEN ${sql.lit(NOW)} - 1000 ELSE NULL END,
      CASE WHEN ${k} >= 970 AND ${k} < 980 THEN 'w1' ELSE NULL END,
      CASE WHEN ${k} >= 90 AND ${k} < 98 THEN ${sql.lit(NOW)} - n ELSE NULL END,
      CASE WHEN ${k} >= 90 AND ${k} < 95 THEN 'done' ELSE NULL END`;
  const columns = sql`(user_id, service_id, type, link, quantity, remains, rate_units, charge_units, status,
    refunded_units, created_at, updated_at, dispatch_state, provider_id, next_attempt_at,
    claimed_at, claimed_by, cancel_requested_at, cancel_state)`;
  if (dialect === 'sqlite') {
    await sql`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${ORDERS})
      INSERT INTO orders ${columns} ${rows} FROM c`.execute(db);
  } else {
    await sql`INSERT INTO orders ${columns} ${rows} FROM generate_series(1, ${ORDERS}) AS c(n)`.execute(db);
  }
  // The sync's schedule: the active sent orders, a tenth of them due.
  await sql`INSERT INTO order_checks (order_id, provider_id, next_check_at, unchanged_checks)
    SELECT id, provider_id, ${sql.lit(NOW)} - 60000 + (id % 600) * 1000, id % 5 FROM orders
    WHERE dispatch_state = 'sent' AND status IN ('pending', 'processing', 'in_progress')`.execute(db);
  // Refills: mostly ended long ago; a few queued or forwarded and open.
  const r = sql`(n % 100)`;
  const refillRows = sql`
    SELECT n * 7, 1,
      CASE WHEN ${r} < 2 THEN 'pending' WHEN ${r} < 4 THEN 'in_progress' ELSE 'completed' END,
      ${sql.lit(NOW)} - n, ${sql.lit(NOW)} - n,
      CASE WHEN ${r} < 2 THEN 'queued' ELSE 'sent' END,
      ${sql.lit(NOW)} - n`;
  const refillColumns = sql`(order_id, user_id, status, created_at, updated_at, forward_state, next_check_at)`;
  if (dialect === 'sqlite') {
    await sql`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000)
      INSERT INTO refills ${refillColumns} ${refillRows} FROM c`.execute(db);
  } else {
    await sql`INSERT INTO refills ${refillColumns} ${refillRows} FROM generate_series(1, 2000) AS c(n)`.execute(
      db,
    );
  }
  // Payments: mostly ended (no next check), a few gateway payments pending with checks due.
  await db
    .insertInto('payment_methods')
    .values({
      name: 'Gateway',
      kind: 'cryptomus',
      min_units: 1,
      max_units: 10 ** 12,
      position: 1,
      enabled: 1,
      instructions: '',
      adjust_bp: 0,
      config: '{}',
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  const paymentColumns = sql`(user_id, method_id, state, currency, amount_units, adjust_bp, created_at, updated_at, next_check_at)`;
  const paymentRows = sql`
    SELECT 1, 1, CASE WHEN n % 100 < 2 THEN 'pending' ELSE 'completed' END, 'USD', 10000000, 0,
      ${sql.lit(NOW)} - n, ${sql.lit(NOW)} - n, CASE WHEN n % 100 < 2 THEN ${sql.lit(NOW)} - n ELSE NULL END`;
  if (dialect === 'sqlite') {
    await sql`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000)
      INSERT INTO payments ${paymentColumns} ${paymentRows} FROM c`.execute(db);
  } else {
    await sql`INSERT INTO payments ${paymentColumns} ${paymentRows} FROM generate_series(1, 2000) AS c(n)`.execute(
      db,
    );
  }
  await sql
    .raw(
      dialect === 'sqlite'
        ? 'ANALYZE'
        : 'ANALYZE orders; ANALYZE order_checks; ANALYZE refills; ANALYZE payments',
    )
    .execute(db);
}

interface Case {
  name: string;
  call: (db: Executor, dialect: 'sqlite' | 'postgres') => Promise<unknown>;
  /**
   * The indexes each table of the query may be searched by (the primary key is always allowed), each
   * holding only rows of the kind the query looks for; one of them must be in the plan.
   */
  indexes: Record<string, string[]>;
  /** The values of a query compiled once, in its parameters' order (firstQuery). */
  values?: (dialect: 'sqlite' | 'postgres') => unknown[];
}

const STATUS_IDS = Array.from({ length: 100 }, (_, i) => 1 + i * 97);
/** The status lookup's values: SQLite the user, then each id; Postgres reads the ids of all calls at once. */
const statusValues = (dialect: 'sqlite' | 'postgres') =>
  dialect === 'sqlite' ? [1, ...STATUS_IDS] : [STATUS_IDS];

const CASES: Case[] = [
  {
    name: 'cancels to carry out',
    call: (db) => findRequestedCancels(db, { now: NOW, limit: 500 }),
    indexes: { orders: ['orders_open_cancel_active_idx'] },
  },
  {
    name: 'drip-feed parents whose next run is due',
    call: (db) => findDueParents(db, { now: NOW, limit: 100 }),
    indexes: { orders: ['orders_active_parents_idx'] },
  },
  {
    name: 'drip-feed parents with every run placed (the sweep)',
    call: (db) => findQuietParents(db, { quietSince: NOW - 60_000, limit: 100 }),
    indexes: { orders: ['orders_active_parents_idx'] },
  },
  {
    name: 'dispatch claim',
    call: (db, dialect) => claimDue(db, { workerId: 'w2', now: NOW, limit: 50, dialect }),
    indexes: { orders: ['orders_queued_idx'] },
  },
  {
    name: 'stale sends',
    call: (db) => recoverStale(db, { claimedBefore: NOW - 600_000, now: NOW, error: 'stale' }),
    indexes: { orders: ['orders_sending_idx'] },
  },
  {
    name: 'sync lease',
    call: (db, dialect) =>
      leaseDueForSync(db, {
        providerId: 1,
        now: NOW,
        from: FULL_SCAN_FROM,
        steps: [120_000, 240_000, 900_000],
        limit: 100,
        dialect,
      }),
    indexes: { order_checks: ['order_checks_due_idx'] },
  },
  {
    name: 'sync lease from the floor',
    call: (db, dialect) =>
      leaseDueForSync(db, {
        providerId: 1,
        now: NOW,
        from: NOW - 60_000,
        steps: [120_000, 240_000, 900_000],
        limit: 100,
        dialect,
      }),
    indexes: { order_checks: ['order_checks_due_idx'] },
  },
  {
    name: "a held provider's orders back to the queue",
    call: (db) => requeueHeld(db, { providerId: 1, now: NOW }),
    indexes: { orders: ['orders_held_idx'] },
  },
  {
    name: 'orders in review (the operator dashboard)',
    call: (db) => decisionCounts(db),
    indexes: { orders: ['orders_review_idx'] },
  },
  {
    name: 'metrics: sends due',
    call: (db) => dueSends(db, { now: NOW }),
    indexes: { orders: ['orders_queued_idx'] },
  },
  {
    name: 'refills to forward',
    call: (db) => findRefillsToForward(db, { now: NOW, limit: 100 }),
    indexes: { refills: ['refills_forward_idx'], orders: [] },
  },
  {
    name: 'forwarded refills to check',
    call: (db) => findForwardedRefillsDue(db, { providerId: 1, now: NOW, limit: 100 }),
    // refills_one_open_idx (0001) holds only open refills too: either is proportional to the work.
    indexes: { refills: ['refills_open_forwarded_idx', 'refills_one_open_idx'], orders: [] },
  },
  {
    // API v2 `status` with 100 ids: each found by the primary key (never a search of the user's orders
    // or of the drip-feed children's index), whoever's they are.
    name: 'API v2 status of 100 orders',
    call: (db) => findUserOrderStatuses(db, 1, STATUS_IDS),
    indexes: { orders: [] },
    values: statusValues,
  },
  {
    name: 'payments to check',
    call: (db) => leaseDuePayments(db, { now: NOW, limit: 20, leaseUntil: NOW + 60_000 }),
    // Both hold only pending payments (an ended payment has no next check).
    indexes: { payments: ['payments_check_idx', 'payments_state_idx'] },
  },
];

/** The problems of a plan: a table read whole, or searched by an index not meant for this query. */
function planProblems(dialect: string, plan: string[], indexes: Record<string, string[]>): string[] {
  const problems: string[] = [];
  for (const line of plan) {
    if (dialect === 'sqlite') {
      // SEARCH t USING INDEX i (...) | SEARCH t USING INTEGER PRIMARY KEY | SCAN t [USING INDEX i]
      const m =
        /^(SEARCH|SCAN) (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+)| USING INTEGER PRIMARY KEY)?/.exec(
          line,
        );
      if (!m) continue;
      const [, how, table = '', index] = m;
      const allowed = indexes[table];
      if (!allowed) continue;
      if (index === undefined && how === 'SEARCH') continue; // by primary key
      if (index === undefined) problems.push(`reads all of ${table}: ${line}`);
      else if (!allowed.includes(index)) problems.push(`uses ${index}, not ${allowed.join('|')}: ${line}`);
    } else {
      const seq = /Seq Scan on (\w+)/.exec(line);
      if (seq?.[1] && indexes[seq[1]]) problems.push(`reads all of ${seq[1]}: ${line.trim()}`);
      const idx =
        /(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)(?: on (\w+))?/.exec(
          line,
        );
      if (idx?.[1]) {
        const index = idx[1];
        const table = idx[2] ?? Object.keys(indexes).find((t) => index.startsWith(`${t}_`)) ?? '';
        const allowed = indexes[table];
        if (allowed && !index.endsWith('_pkey') && !allowed.includes(index))
          problems.push(`uses ${index}, not ${allowed.join('|')}: ${line.trim()}`);
      }
    }
  }
  return problems;
}

/**
 * The order lists a page at a time (newest first, keyset `before`): the web panel's (one customer's)
 * and the admin's (everyone's). Each must walk an index in id order and stop at the page: never sort
 * every matching order (SQLite's TEMP B-TREE, Postgres's Sort) and never read the table whole.
 */
const LIST_CASES: { name: string; call: (db: Executor) => Promise<unknown>; index?: string }[] = [
  { name: "admin's order list, first page", call: (db) => findOrdersForOperator(db, { limit: 51 }) },
  {
    name: "admin's order list, a deep page",
    call: (db) => findOrdersForOperator(db, { beforeId: ORDERS / 2, limit: 51 }),
  },
  {
    name: "admin's order list, orders in review",
    call: (db) => findOrdersForOperator(db, { dispatchState: 'review', limit: 51 }),
    // The few orders in review, from their own index: not found by walking every order.
    index: 'orders_review_idx',
  },
  {
    name: "admin's order list, held orders",
    call: (db) => findOrdersForOperator(db, { dispatchState: 'held', limit: 51 }),
    index: 'orders_held_idx',
  },
  {
    name: "a user's orders in the admin area, first page",
    call: (db) => findOrdersForOperator(db, { userId: 1, limit: 21 }),
  },
  {
    name: "a user's orders in the admin area, a deep page",
    call: (db) => findOrdersForOperator(db, { userId: 1, beforeId: ORDERS / 2, limit: 21 }),
  },
  {
    name: "a user's orders in the admin area, one status",
    call: (db) => findOrdersForOperator(db, { userId: 1, status: 'completed', limit: 21 }),
  },
  {
    name: "a customer's order list, first page",
    call: (db) => findCustomerOrderPage(db, { userId: 1, limit: 21 }),
  },
  {
    name: "a customer's order list, a deep page",
    call: (db) => findCustomerOrderPage(db, { userId: 1, beforeId: ORDERS / 2, limit: 21 }),
  },
  {
    name: "a customer's order list, one status",
    call: (db) => findCustomerOrderPage(db, { userId: 1, status: 'completed', limit: 21 }),
  },
];

function listProblems(dialect: string, plan: string[]): string[] {
  return plan.filter((line) =>
    dialect === 'sqlite'
      ? /TEMP B-TREE/.test(line) || /orders_parent_idx|orders_status_idx|orders_dispatch_idx/.test(line)
      : /^\s*(->\s*)?Sort\b|Seq Scan on orders/.test(line),
  );
}

describeEachDb('per-round engine queries on a skewed table', (ctx) => {
  beforeAll(
    async () => {
      await seedSkewed(ctx().db.db, ctx().dialect);
    },
    60_000 + ORDERS / 5,
  );

  for (const c of LIST_CASES) {
    it(`${c.name}: walks an index in id order and stops at the page`, async () => {
      const { db, dialect } = ctx();
      const plan = await planOf(db.db, dialect, await firstQuery(db.db, c.call));
      expect(listProblems(dialect, plan), plan.join('\n')).toEqual([]);
      if (c.index) expect(plan.join('\n')).toContain(c.index);
    });
  }

  for (const c of CASES) {
    const allowed = Object.values(c.indexes).flat().join(' or ') || 'the primary key only';
    it(`${c.name}: the plan searches ${allowed}, never the whole table`, async () => {
      const { db, dialect } = ctx();
      const q = await firstQuery(db.db, (d) => c.call(d, dialect), c.values?.(dialect));
      const plan = await planOf(db.db, dialect, q);
      const text = plan.join('\n');
      expect(planProblems(dialect, plan, c.indexes), text).toEqual([]);
      for (const [table, allowed] of Object.entries(c.indexes)) {
        if (allowed.length === 0) continue;
        expect(
          allowed.some((index) => text.includes(index)),
          `${table}: none of ${allowed.join(', ')} in the plan`,
        ).toBe(true);
      }
    });
  }
});

/**
 * A SQLite database has no statistics unless someone runs ANALYZE (the panel never does): SQLite then
 * plans by its own guesses, and without the unary `+` it searched orders_user_idx for `status` (the index,
 * then the row, per id). The skewed table above has statistics, with which SQLite picks the key anyway.
 */
describeEachDb('API v2 status of many orders on a table without statistics', (ctx) => {
  it('finds each order by the primary key (SQLite; Postgres analyzes a table by itself as it grows)', async () => {
    const { db, dialect } = ctx();
    if (dialect !== 'sqlite') return;
    const q = await firstQuery(db.db, (d) => findUserOrderStatuses(d, 1, STATUS_IDS), statusValues(dialect));
    const plan = await planOf(db.db, dialect, q);
    expect(planProblems(dialect, plan, { orders: [] }), plan.join('\n')).toEqual([]);
    if (dialect === 'sqlite') expect(plan.join('\n')).toContain('USING INTEGER PRIMARY KEY');
  });
});
