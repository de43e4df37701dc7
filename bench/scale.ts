/**
 * The scale scenarios of `npm run bench` (BENCH_SCALE=10k,1m,10m; off by default; docs/benchmarks.md
 * "Scale"): for each size, a fresh database seeded in bulk (bench/scale-seed.ts: that many orders over
 * BENCH_SCALE_USERS users, a tenth of them active at the simulated provider), then, in rounds that
 * alternate between the sizes (BENCH_SCALE_ROUNDS, default 3), the panel server child WITH its worker
 * running against the simulator (as `npm start` runs) and the same calls as one customer at every size:
 * API v2 balance, status, status ×100, services, the web panel's order list (first page, and a deep
 * page by keyset) and the admin's (the same two), then add, with the active orders' checks spread over
 * half an hour (a steady state). In the last round every active order is then made due at once and
 * `status` is measured again while the worker syncs them (its rate is reported). Beside them: seeding
 * time, database size, and the server's RSS at the start and end of the last round. Each call's figure
 * is the median of its rounds, and each latency is compared with the smallest size's.
 */

import { readFileSync, statSync } from 'node:fs';
import { sql } from 'kysely';
import { type Db, openDatabase } from '../src/db/connect.js';
import { type LoopDelay, startServer } from './child.js';
import { type FreshDatabase, type Kind, SIM_KEY, startSim } from './engine.js';
import { ms, type Row } from './report.js';
import { activeCount, moveDueChecksAhead, type ScaleSeeded, seedScale, writeOut } from './scale-seed.js';
import { ADD_LINK, ADD_QUANTITY, SERVICE_COUNT } from './seed.js';

export interface ScaleScenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body: string | undefined;
  headers?: Record<string, string>;
  check: (body: string) => boolean;
}

export interface ScaleOptions {
  log: (line: string) => void;
  aborting: () => boolean;
  freshDatabase: (kind: Kind) => Promise<FreshDatabase>;
  /** bench/run.ts's measurement of one scenario against a server child. */
  measure: (
    port: number,
    pid: number,
    pgDbName: string | null,
    sc: ScaleScenario,
    label: string,
  ) => Promise<Row>;
  sizes: number[];
  users: number;
  /** Whether the server child runs the worker (BENCH_SCALE_WORKER, default 1). */
  worker: boolean;
  /** Rounds per size (BENCH_SCALE_ROUNDS): each call's figure is the median of its rounds. */
  rounds: number;
  serverCpu: string | undefined;
  pgPool: number;
}

export interface ScaleRun {
  database: Kind;
  /** The size asked (BENCH_SCALE), and the orders in the table (with bench/seed.ts's). */
  size: number;
  orders: number;
  seedSeconds: number;
  dbBytes: number;
  active: number;
  /** Orders the worker checked per second while every active order was due (a full sync). */
  syncedPerSec: number;
  /** How many of the active orders that full sync checked, from its first lease to its last, in seconds. */
  synced: number;
  syncSeconds: number;
  /** Status checks the worker made while the last round's calls were measured (before the full sync), per second. */
  checksPerSecDuringCalls: number;
  rssStartMb: number | null;
  rssEndMb: number | null;
  /** Per call, the median of the rounds (medianRows). */
  rows: Row[];
  /** Each round's rows, in the order measured. */
  rounds: Row[][];
  /** Each round's event-loop delays of the server: idle first, then during each call. */
  stalls: Stalls[];
}

/** The server's event-loop delay (bench/server.ts) per window: IDLE_WINDOW, then each call's name. */
export type Stalls = Record<string, LoopDelay>;
const IDLE_WINDOW = 'idle, 5 s before the calls';
const IDLE_MS = 5000;

/** "10k,1m,10m" -> [10000, 1000000, 10000000]. */
export function parseScaleSizes(text: string | undefined): number[] {
  if (!text || text === '0' || text === 'off') return [];
  return text.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([km]?)\s*$/i.exec(part);
    if (!m) throw new Error(`BENCH_SCALE: "${part}" is not a size like 10k, 1m or 2500000`);
    const n = Number(m[1]) * ({ k: 1e3, m: 1e6 }[(m[2] ?? '').toLowerCase()] ?? 1);
    if (!Number.isInteger(n) || n < 1000 || n > 50_000_000)
      throw new Error(`BENCH_SCALE: ${part} must be from 1k to 50m orders`);
    return n;
  });
}

const form = (p: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, String(v)])).toString();

export function scaleScenarios(s: ScaleSeeded): ScaleScenario[] {
  const customer = { cookie: `smm_session=${s.customerSession}` };
  const admin = { cookie: `smm_session=${s.adminSession}` };
  const list = (b: string) => b.startsWith('{"orders":[{') && b.includes('"nextBefore":');
  return [
    {
      name: 'balance',
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'balance' }),
      check: (b) => b.startsWith('{"balance":"'),
    },
    {
      name: 'status, 1 order',
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'status', order: s.spreadIds[50] ?? s.orderId }),
      check: (b) => b.startsWith('{"charge":"'),
    },
    {
      name: 'status, 100 orders',
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'status', orders: s.spreadIds.join(',') }),
      check: (b) => b.startsWith('{"') && !b.includes('"error"') && b.length > 100 * 80,
    },
    {
      name: `services (${SERVICE_COUNT + 1})`,
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'services' }),
      check: (b) => b.startsWith('[{"service":') && !b.includes('"error"'),
    },
    {
      name: 'web: my orders, first page',
      method: 'GET',
      path: '/api/web/orders',
      body: undefined,
      headers: customer,
      check: list,
    },
    {
      name: 'web: my orders, deep page',
      method: 'GET',
      path: `/api/web/orders?before=${s.deepBefore}`,
      body: undefined,
      headers: customer,
      check: list,
    },
    {
      name: 'admin: orders, first page',
      method: 'GET',
      path: '/api/admin/orders',
      body: undefined,
      headers: admin,
      check: list,
    },
    {
      name: 'admin: orders, deep page',
      method: 'GET',
      path: `/api/admin/orders?before=${Math.floor(s.orders / 2)}`,
      body: undefined,
      headers: admin,
      check: list,
    },
    // Last, after the round's reads: the orders it places are closed when the round ends (closeAddedOrders).
    {
      name: 'add, 1 user',
      method: 'POST',
      path: '/api/v2',
      body: form({
        key: s.apiKey,
        action: 'add',
        service: s.serviceId,
        link: ADD_LINK,
        quantity: ADD_QUANTITY,
      }),
      check: (b) => b.startsWith('{"order":'),
    },
  ];
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The database's size on disk: the SQLite file (and its WAL), or pg_database_size. */
async function databaseBytes(fresh: FreshDatabase): Promise<number> {
  if (fresh.pgDbName === null) {
    const path = fresh.url.slice('sqlite:'.length);
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(path) + size(`${path}-wal`);
  }
  const db = await openDatabase(fresh.url, { migrate: false });
  try {
    const r = await sql<{ n: string }>`SELECT pg_database_size(current_database()) AS n`.execute(db.db);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await db.close();
  }
}

/** One size's database, seeded, with the simulator that holds its active orders. */
interface Seeded {
  size: number;
  label: string;
  fresh: FreshDatabase;
  seeded: ScaleSeeded;
  dbBytes: number;
  rounds: Row[][];
  stalls: Stalls[];
  checksPerSec: number;
  syncedPerSec: number;
  synced: number;
  syncSeconds: number;
  rssStartMb: number | null;
  rssEndMb: number | null;
}

/** Filled in by the rounds (the checks' rate by each, the last one's kept) and the last round. */
const NOT_MEASURED = {
  checksPerSec: 0,
  syncedPerSec: 0,
  synced: 0,
  syncSeconds: 0,
  rssStartMb: null,
  rssEndMb: null,
};

/**
 * Every size of one database, measured in rounds that alternate between the sizes (10k, 10M, then 10M,
 * 10k, ...): each round starts the size's server, measures every call, stops it, and closes the orders
 * its `add` placed (canceled, out of the sync's schedule; they stay in the table). A
 * machine whose speed drifts for minutes then weighs on every size alike, and each call's figure is the
 * median of its rounds. The last round of each size keeps its server for the full sync and the RSS.
 */
export async function benchScale(o: ScaleOptions, kind: Kind): Promise<ScaleRun[]> {
  const all: Seeded[] = [];
  // What to remove at the end, whatever failed: each database, and each simulator started.
  const cleanups: (() => Promise<void>)[] = [];
  try {
    for (const size of o.sizes) {
      const label = `${kind} ${short(size)}`;
      const fresh = await o.freshDatabase(kind);
      cleanups.push(() => fresh.remove());
      const sim = await startSim(activeCount(size));
      cleanups.push(() => sim.stop());
      o.log(
        `  ${label}: seeding ${size.toLocaleString('en-US')} orders over ${o.users.toLocaleString('en-US')} users ...`,
      );
      const seeded = await seedScale(fresh.url, {
        orders: size,
        users: o.users,
        simUrl: sim.url,
        simKey: SIM_KEY,
        log: o.log,
      });
      const dbBytes = await databaseBytes(fresh);
      o.log(`  ${label}: seeded in ${seeded.seconds.toFixed(1)} s, ${(dbBytes / 2 ** 20).toFixed(0)} MiB`);
      all.push({ size, label, fresh, seeded, dbBytes, rounds: [], stalls: [], ...NOT_MEASURED });
      if (o.aborting()) throw new Error('stopping');
    }
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 === 1 ? all : [...all].reverse();
      for (const s of order) {
        if (o.aborting()) throw new Error('stopping');
        o.log(`  ${s.label}: round ${round} of ${o.rounds}`);
        await measureRound(o, s, round === o.rounds);
      }
    }
    return all.map((s) => ({
      database: kind,
      size: s.size,
      orders: s.seeded.orders,
      seedSeconds: s.seeded.seconds,
      dbBytes: s.dbBytes,
      active: s.seeded.active,
      syncedPerSec: s.syncedPerSec,
      synced: s.synced,
      syncSeconds: s.syncSeconds,
      checksPerSecDuringCalls: s.checksPerSec,
      rssStartMb: s.rssStartMb,
      rssEndMb: s.rssEndMb,
      rows: medianRows(s.rounds),
      rounds: s.rounds,
      stalls: s.stalls,
    }));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      // Every one is tried, and a failure here does not hide the error that ended the rounds.
      await cleanup().catch((err) =>
        o.log(`  cleanup failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  }
}

/** One round of one size: its server (and worker) started, every call measured, the server stopped. */
async function measureRound(o: ScaleOptions, s: Seeded, last: boolean): Promise<void> {
  const { fresh, seeded, label } = s;
  const firstAdded = (await maxOrderId(fresh.url)) + 1;
  // The checks that fell due while this size's server was stopped (the other size's round) would be a
  // backlog for its worker to catch up while the first calls are measured: moved ahead, as the seed does.
  // Those writes and the last round's closings are written out now, not by a checkpoint during the calls.
  const moved = await withDb(fresh.url, async (db) => {
    const n = await moveDueChecksAhead(db.db);
    await writeOut(db);
    return n;
  });
  if (moved > 0) o.log(`  ${label}: ${moved.toLocaleString('en-US')} checks due while stopped moved ahead`);
  const server = await startServer(
    {
      BENCH_SERVER_MODE: 'panel',
      BENCH_DATABASE_URL: fresh.url,
      BENCH_PG_POOL: String(o.pgPool),
      BENCH_SERVER_WORKER: o.worker ? '1' : '0',
    },
    o.serverCpu,
  );
  try {
    const rssStart = rssMb(server.pid);
    const scenarios = scaleScenarios(seeded);
    const rows: Row[] = [];
    // What the worker alone does to the event loop (nothing else runs in the server), then each call.
    const stalls: Stalls = {};
    await server.loopDelay();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    stalls[IDLE_WINDOW] = await server.loopDelay();
    s.stalls.push(stalls);
    const checks0 = await checksMade(fresh.url);
    const c0 = performance.now();
    for (const sc of scenarios) {
      rows.push(await o.measure(server.port, server.pid, fresh.pgDbName, sc, label));
      stalls[sc.name] = await server.loopDelay();
    }
    // The seed schedules every check with no unchanged answer yet, and the simulator's answers do not
    // change: the growth of the counts is the checks made while the calls were measured.
    s.checksPerSec = ((await checksMade(fresh.url)) - checks0) / ((performance.now() - c0) / 1000);
    s.rounds.push(rows);
    if (!last) return;
    // Then every active order due at once: the worker syncs them as fast as it can, while `status` is
    // measured again beside it.
    // The orders `add` placed that the worker has not sent yet are closed first (canceled, nothing sent):
    // their sends would otherwise share the worker with the full sync.
    await withDb(fresh.url, ({ db }) =>
      db
        .updateTable('orders')
        .set({ dispatch_state: 'closed', status: 'canceled' })
        .where('id', '>=', firstAdded)
        .where('dispatch_state', '=', 'queued')
        .execute(),
    );
    await makeAllActiveDue(fresh.url, seeded.orders + 1000);
    const during = scenarios[1] as ScaleScenario;
    const row = await o.measure(server.port, server.pid, fresh.pgDbName, during, label);
    row.scenario = `${during.name}, during a full sync`;
    rows.push(row);
    const full = await syncedOrders(fresh.url);
    s.synced = full.synced;
    s.syncSeconds = full.seconds;
    s.syncedPerSec = full.seconds > 0 ? full.inSpan / full.seconds : 0;
    s.rssStartMb = rssStart;
    s.rssEndMb = rssMb(server.pid);
  } finally {
    await server.stop();
    // The orders this round's `add` placed end (canceled, out of the sync's schedule), so the next
    // round's worker has no dispatch or checks of them to do; they stay in the table.
    await closeAddedOrders(fresh.url, firstAdded);
  }
}

/** Per call, the median of its rounds (req/s, p50 and p99 each); failures and totals summed. */
export function medianRows(rounds: Row[][]): Row[] {
  // Every call of any round, in the order measured (only the last round has the full sync's row).
  const names = [...new Set(rounds.flatMap((r) => r.map((x) => x.scenario)))];
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  };
  return names.map((name) => {
    const same = rounds.map((r) => r.find((x) => x.scenario === name)).filter((x): x is Row => !!x);
    const row = same[0] as Row;
    const p99s = same.map((x) => x.p99Ms);
    const p99 = median(p99s);
    // The CPU of the round whose p99 is nearest the median.
    const near = same.reduce((a, b) => (Math.abs(b.p99Ms - p99) < Math.abs(a.p99Ms - p99) ? b : a));
    return {
      ...row,
      reqPerSec: median(same.map((x) => x.reqPerSec)),
      p50Ms: median(same.map((x) => x.p50Ms)),
      p99Ms: p99,
      bad: same.reduce((n, x) => n + x.bad, 0),
      total: same.reduce((n, x) => n + x.total, 0),
      cpu: near.cpu,
    };
  });
}

/** `f` on a connection of its own to the database at `url`, closed after. */
async function withDb<T>(url: string, f: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(url, { migrate: false });
  try {
    return await f(db);
  } finally {
    await db.close();
  }
}

async function maxOrderId(url: string): Promise<number> {
  return withDb(url, async ({ db }) => {
    const r = await db
      .selectFrom('orders')
      .select((eb) => eb.fn.max('id').as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n ?? 0);
  });
}

/** The orders from `firstId` on (placed by the round's `add`): closed, canceled, no longer checked. */
async function closeAddedOrders(url: string, firstId: number): Promise<void> {
  await withDb(url, async ({ db }) => {
    await db.deleteFrom('order_checks').where('order_id', '>=', firstId).execute();
    // Those the worker sent stay `sent` (canceled upstream, as the seed's ended orders); the others were
    // never sent: `closed`.
    await db
      .updateTable('orders')
      .set({
        status: 'canceled',
        dispatch_state: sql<
          'sent' | 'closed'
        >`CASE WHEN dispatch_state = 'sent' THEN 'sent' ELSE 'closed' END`,
      })
      .where('id', '>=', firstId)
      .execute();
  });
}

/**
 * Every active order due now (by id), its count of unchanged checks reset: in slices of ids, each
 * tried again if it meets the running worker's lease in a deadlock (Postgres).
 */
async function makeAllActiveDue(url: string, maxId: number): Promise<void> {
  const db = await openDatabase(url, { migrate: false });
  const slice = 50_000;
  try {
    for (let from = 0; from <= maxId; from += slice) {
      for (let attempt = 1; ; attempt++) {
        try {
          await sql`UPDATE order_checks SET next_check_at = ${Date.now() - 10_000_000} + order_id,
            unchanged_checks = 0 WHERE order_id > ${from} AND order_id <= ${from + slice}`.execute(db.db);
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
    }
  } finally {
    await db.close();
  }
}

/** Status checks made since the seed: the unchanged counts of the schedule, summed. */
async function checksMade(url: string): Promise<number> {
  const db = await openDatabase(url, { migrate: false });
  try {
    const r = await db.db
      .selectFrom('order_checks')
      .select((eb) => eb.fn.sum<string | number>('unchanged_checks').as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n ?? 0);
  } finally {
    await db.close();
  }
}

/**
 * The full sync's rate: the active orders the worker checked exactly once since they were all made due
 * (unchanged_checks reset to 0), and over how long. Each lease schedules its orders' next check at the
 * lease's time plus the same first step, so the spread of those next checks is the spread of the
 * checks themselves: from the first lease of the backlog to the last one (the end of the backlog, or
 * of the measured window when the backlog outlasts it), whatever came before or after. An order whose
 * check failed is due again a minute later and counted when it is leased then: it would stretch the
 * span (the preloaded simulator's answers do not fail, but a timeout under load would). One lease alone
 * has no span: rate 0.
 */
async function syncedOrders(url: string): Promise<{ synced: number; inSpan: number; seconds: number }> {
  const db = await openDatabase(url, { migrate: false });
  try {
    const r = await db.db
      .selectFrom('order_checks')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.min('next_check_at').as('first'),
        eb.fn.max('next_check_at').as('last'),
      ])
      .where('unchanged_checks', '=', 1)
      .executeTakeFirstOrThrow();
    // The span ends where the last lease began: its orders are not in the rate (a fencepost).
    const last = await db.db
      .selectFrom('order_checks')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('unchanged_checks', '=', 1)
      .where('next_check_at', '=', Number(r.last ?? 0))
      .executeTakeFirstOrThrow();
    return {
      synced: Number(r.n),
      inSpan: Number(r.n) - Number(last.n),
      seconds: (Number(r.last ?? 0) - Number(r.first ?? 0)) / 1000,
    };
  } finally {
    await db.close();
  }
}

export function short(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}

/** The scale tables: per database, one column pair per size, each latency beside its ratio to the first size. */
export function scaleReport(runs: ScaleRun[], o: { worker: boolean }): string {
  const out: string[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const mine = runs.filter((r) => r.database === kind);
    const first = mine[0];
    if (!first) continue;
    out.push(
      `Scale, ${kind} (worker running against the simulator; p99 in ms, and its ratio to ${short(first.size)})${o.worker ? '' : ', WORKER OFF'}:`,
      '',
    );
    out.push(`| call | ${mine.map((r) => `${short(r.size)} req/s | p99 (×)`).join(' | ')} |`);
    out.push(`| --- | ${mine.map(() => '---: | ---:').join(' | ')} |`);
    for (const row of first.rows) {
      const cells = mine.map((r) => {
        const x = r.rows.find((y) => y.scenario === row.scenario);
        if (!x) return '- | -';
        const ratio = row.p99Ms > 0 ? x.p99Ms / row.p99Ms : 1;
        return `${Math.round(x.reqPerSec).toLocaleString('en-US')}${x.bad ? ` (${x.bad} failed)` : ''} | ${ms(x.p99Ms)} (${ratio.toFixed(2)})`;
      });
      out.push(`| ${row.scenario} | ${cells.join(' | ')} |`);
    }
    const line = (name: string, f: (r: ScaleRun) => string) =>
      out.push(`| ${name} | ${mine.map((r) => `${f(r)} | `).join(' | ')} |`);
    line('orders in the table', (r) => r.orders.toLocaleString('en-US'));
    line('active orders (at the simulator)', (r) => r.active.toLocaleString('en-US'));
    line('seeding time (s)', (r) => r.seedSeconds.toFixed(0));
    line('database size (MiB)', (r) => (r.dbBytes / 2 ** 20).toFixed(0));
    line('size per million orders (MiB)', (r) => ((r.dbBytes / 2 ** 20 / r.orders) * 1e6).toFixed(0));
    line(
      'worker: full sync, orders checked / s (of the active)',
      (r) =>
        `${Math.round(r.syncedPerSec).toLocaleString('en-US')} (${r.synced.toLocaleString('en-US')} in ${r.syncSeconds.toFixed(r.syncSeconds < 10 ? 2 : 0)} s)`,
    );
    line("worker: checks / s while the last round's calls were measured", (r) =>
      Math.round(r.checksPerSecDuringCalls).toLocaleString('en-US'),
    );
    line(
      'server RSS start / end of the last round (MB)',
      (r) => `${r.rssStartMb?.toFixed(0) ?? '?'} / ${r.rssEndMb?.toFixed(0) ?? '?'}`,
    );
    out.push('');
    if (first.rounds.length > 1) {
      out.push(
        `p99 of each round, ${kind}, in ms (rounds alternate between the sizes; the table above shows their median):`,
        '',
      );
      out.push(`| call | ${mine.map((r) => short(r.size)).join(' | ')} |`);
      out.push(`| --- | ${mine.map(() => '---').join(' | ')} |`);
      for (const row of first.rounds[0] ?? []) {
        const cells = mine.map((r) =>
          r.rounds
            .map((rows) => rows.find((y) => y.scenario === row.scenario))
            .map((x) => (x ? ms(x.p99Ms) : '-'))
            .join(' / '),
        );
        out.push(`| ${row.scenario} | ${cells.join(' | ')} |`);
      }
      out.push('');
    }
    // How long the server's event loop was held at once: a request arriving then waits that long.
    out.push(
      `Event loop of the server, ${kind}: the longest delay / the p99 of the delay, in ms, each round ` +
        '(a 1 ms timer, late by what held the loop: a statement, a commit, an answer being built):',
      '',
    );
    out.push(`| window | ${mine.map((r) => short(r.size)).join(' | ')} |`);
    out.push(`| --- | ${mine.map(() => '---').join(' | ')} |`);
    for (const name of Object.keys(first.stalls[0] ?? {})) {
      const cells = mine.map((r) =>
        r.stalls
          .map((st) => st[name])
          .map((d) => (d ? `${ms(d.max)} / ${ms(d.p99)}` : '-'))
          .join(', '),
      );
      out.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    out.push('');
    // Where the machine's time went during each call (the worker runs inside the server; the other
    // processes are mostly the simulator answering the worker's status calls).
    const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v)}%`);
    out.push(
      `CPU during each call, ${kind}, in % of one core (server / postgres / load generator / other):`,
      '',
    );
    out.push(`| call | ${mine.map((r) => short(r.size)).join(' | ')} |`);
    out.push(`| --- | ${mine.map(() => '---').join(' | ')} |`);
    for (const row of first.rows) {
      const cells = mine.map((r) => {
        const c = r.rows.find((y) => y.scenario === row.scenario)?.cpu;
        return c ? `${pct(c.server)} / ${pct(c.postgres)} / ${pct(c.loadgen)} / ${pct(c.other)}` : '-';
      });
      out.push(`| ${row.scenario} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
