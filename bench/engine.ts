/**
 * The engine scenarios of `npm run bench` (see docs/benchmarks.md): the fulfilment engine's own loop
 * (workerRound) in worker children, against the simulated provider in a server child, on a database
 * seeded with bulk INSERTs.
 * - sync: a large population of active orders (BENCH_SYNC_ORDERS, default 100,000) sent to the
 *   simulator, which preloads them; one worker checks them with the multi `status` call, 100 ids a
 *   call, for BENCH_SYNC_SECONDS. Twice: when every answer matches what is stored ("unchanged": the
 *   orders are only rescheduled) and when every answer brings new remains ("changed": the status
 *   change transaction per order). Compared with a ceiling: the same calls with no database.
 * - dispatch: BENCH_DISPATCH_ORDERS queued orders (default 10,000) sent by 1 worker with
 *   BENCH_DISPATCH_LANES lanes (default 100, claims as large, the simulator's send limit too), then as many
 *   again by 2 worker processes at once, from queued to sent, on each database; afterwards the
 *   database must show every order sent with its own upstream id, and the simulator's record exactly
 *   one `add` per order.
 */

import { sql } from 'kysely';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { type Db, openDatabase } from '../src/db/connect.js';
import { PRELOADED } from '../src/dev/simulator.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { setProviderSendLimit } from '../src/providers/set-provider-send-limit.js';
import { SYNC_BATCH } from '../src/worker/sync.js';
import { benchAdmin } from './admin.js';
import { startChild, startServer } from './child.js';
import { CpuMeter } from './cpu.js';
import type { EngineRow } from './report.js';
import type { RunRequest, WorkerResult } from './worker.js';

export type Kind = 'sqlite' | 'postgres';

export interface FreshDatabase {
  url: string;
  pgDbName: string | null;
  remove(): Promise<void>;
}

export interface EngineOptions {
  log: (line: string) => void;
  aborting: () => boolean;
  /** A new empty database, registered for cleanup until `remove`. */
  freshDatabase: (kind: Kind) => Promise<FreshDatabase>;
  /** Cores for the worker children (BENCH_PIN), like the server child. */
  workerCpu: string | undefined;
  /** Which scenarios run (BENCH_ONLY). */
  selected: (name: string) => boolean;
  warmup: number;
  /** Seconds the sync ceiling is measured (BENCH_DURATION). */
  ceilingSeconds: number;
  syncOrders: number;
  syncSeconds: number;
  dispatchOrders: number;
  /**
   * The dispatch runs' lanes per worker (WORKER_DISPATCH_CONCURRENCY), claim size
   * (WORKER_DISPATCH_BATCH) and the simulator provider's send limit: the issue lets the bench raise
   * them for the simulator, which answers in well under a millisecond (BENCH_DISPATCH_LANES).
   */
  dispatchLanes: number;
  pgPool: number;
}

export const SIM_KEY = 'bench-sim-key';
/** Far enough in the past that every seeded order is due, distinct per order (as real times are). */
const OVERDUE_BASE_MS = 10_000_000;
const DISPATCH_TIMEOUT_S = 180;
/** Push the first status check of the orders a dispatch run sends out of the run. */
const DISPATCH_SYNC_BASE_MS = 3_600_000;

const n = (x: number) => x.toLocaleString('en-US');

export const syncNames = (o: EngineOptions) => ({
  unchanged: `sync, ${n(o.syncOrders)} active, unchanged`,
  changed: `sync, ${n(o.syncOrders)} active, changed`,
});
export const dispatchName = (o: EngineOptions) =>
  `dispatch, ${n(o.dispatchOrders)} queued, ${o.dispatchLanes} lanes`;
export const SYNC_CEILING_NAME = `ceiling: status ×${SYNC_BATCH} ids, no database`;

/** The worker counts the dispatch scenario runs with, on each database. */
export const DISPATCH_WORKERS = [1, 2];

export function anySyncSelected(o: EngineOptions): boolean {
  const names = syncNames(o);
  return o.selected(names.unchanged) || o.selected(names.changed);
}

// ---------------------------------------------------------------------------------------------------
// Children

interface SimChild {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export async function startSim(preload: number): Promise<SimChild> {
  const s = await startServer({
    BENCH_SERVER_MODE: 'simulator',
    BENCH_SIM_KEY: SIM_KEY,
    BENCH_SIM_PRELOAD: String(preload),
  });
  return { pid: s.pid, url: `http://127.0.0.1:${s.port}/api/v2`, stop: s.stop };
}

interface WorkerChild {
  pid: number;
  run(req: RunRequest): Promise<WorkerResult>;
  stop(): Promise<void>;
}

async function startWorkerChild(env: Record<string, string>, cpu: string | undefined): Promise<WorkerChild> {
  const c = await startChild(
    './worker.js',
    env,
    (m) => {
      if ((m as { ready?: unknown } | null)?.ready !== true)
        throw new Error(`worker child sent ${JSON.stringify(m)}`);
      return true;
    },
    cpu,
  );
  return {
    pid: c.pid,
    stop: c.stop,
    run: (req) =>
      new Promise<WorkerResult>((resolve, reject) => {
        const guard = setTimeout(
          () => reject(new Error('worker child did not report in time')),
          (req.seconds + 60) * 1000,
        );
        const onExit = (code: number | null) => {
          clearTimeout(guard);
          reject(new Error(`worker child exited during the run (code ${code})`));
        };
        c.child.once('exit', onExit);
        c.child.on('message', function onMessage(m: unknown) {
          const result = (m as { result?: WorkerResult } | null)?.result;
          if (!result) return;
          clearTimeout(guard);
          c.child.off('message', onMessage);
          c.child.off('exit', onExit);
          resolve(result);
        });
        c.child.send({ run: req });
      }),
  };
}

/** Run workers at once; CPU measured from the end of the warm-up (when the run lasts that long). */
async function runWorkers(
  workers: WorkerChild[],
  req: RunRequest,
  pgDbName: string | null,
  simPid: number,
): Promise<{ results: WorkerResult[]; cpu: EngineRow['cpu'] }> {
  const pids = workers.map((w) => w.pid);
  const fromStart = new CpuMeter(pids, pgDbName, [simPid]);
  fromStart.start();
  let afterWarmup: CpuMeter | null = null;
  const timer =
    req.warmup > 0
      ? setTimeout(() => {
          afterWarmup = new CpuMeter(pids, pgDbName, [simPid]);
          afterWarmup.start();
        }, req.warmup * 1000)
      : null;
  try {
    const results = await Promise.all(workers.map((w) => w.run(req)));
    const meter = (afterWarmup as CpuMeter | null) ?? fromStart;
    return { results, cpu: meter.stop() };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------
// Seeding

interface EngineSeed {
  userId: number;
  providerId: number;
  serviceId: number;
  rateUnits: string;
}

/** The user, the simulator as provider and its service 1 imported, through the panel's use cases. */
async function seedBasics(db: Db, simUrl: string, sendLimit = 10): Promise<EngineSeed> {
  const user = await createUser({
    db: db.db,
    actor: SYSTEM,
    input: { username: 'bench_engine', balanceUnits: 10n ** 18n },
  });
  if (!user.ok) throw new Error(`seed user failed: ${user.failure.code}`);
  return { userId: user.value.id, ...(await addSimulatorProvider(db, simUrl, SIM_KEY, sendLimit)) };
}

/**
 * The simulator as a provider with its service 1 imported, through the panel's use cases (the engine
 * scenarios' seed and the scale seed share it).
 */
export async function addSimulatorProvider(
  db: Db,
  simUrl: string,
  simKey: string,
  sendLimit = 10,
): Promise<{ providerId: number; serviceId: number; rateUnits: string }> {
  const provider = await addProvider({
    db: db.db,
    actor: SYSTEM,
    name: 'simulator',
    url: simUrl,
    apiKey: simKey,
  });
  if (!provider.ok) throw new Error(`seed provider failed: ${provider.failure.code}`);
  // The simulator debits atomically like our own panel: let a worker send as many at once as its
  // lanes allow (the default of 1 protects SmartPanel-like upstreams).
  const limit = await setProviderSendLimit({
    db: db.db,
    actor: await benchAdmin(db.db),
    providerId: provider.value.id,
    limit: sendLimit,
  });
  if (!limit.ok) throw new Error('seed: setting the send limit failed');
  const imported = await importServices({
    db: db.db,
    actor: SYSTEM,
    providerId: provider.value.id,
    ids: [String(PRELOADED.service)],
  });
  const serviceId = imported.ok ? imported.value.created[0] : undefined;
  if (serviceId === undefined) throw new Error('seed: importing the simulator service failed');
  const service = await db.db
    .selectFrom('services')
    .select('rate_units')
    .where('id', '=', serviceId)
    .executeTakeFirstOrThrow();
  return { providerId: provider.value.id, serviceId, rateUnits: BigInt(service.rate_units).toString() };
}

/**
 * INSERT `count` orders in one statement (a recursive counter, which SQLite and Postgres both have).
 * `columns` maps a column to an SQL expression of `i` (0..count-1). Only numbers and fixed strings
 * of this file are inlined.
 */
async function bulkInsertOrders(db: Db, count: number, columns: Record<string, string>): Promise<void> {
  const names = Object.keys(columns);
  await sql
    .raw(
      `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${count - 1}) ` +
        `INSERT INTO orders (${names.join(', ')}) SELECT ${names.map((k) => columns[k]).join(', ')} FROM seq`,
    )
    .execute(db.db);
}

function orderColumns(s: EngineSeed, now: number): Record<string, string> {
  return {
    user_id: String(s.userId),
    service_id: String(s.serviceId),
    type: "'Default'",
    quantity: String(PRELOADED.quantity),
    rate_units: s.rateUnits,
    // quantity 1000 × rate per 1000
    charge_units: s.rateUnits,
    refunded_units: '0',
    created_at: String(now),
    updated_at: String(now),
    provider_id: String(s.providerId),
  };
}

/** Postgres: what autovacuum would have done by then (statistics, no dead rows from the last run). */
async function settle(db: Db): Promise<void> {
  if (db.dialect === 'postgres') await sql`VACUUM ANALYZE orders, order_checks`.execute(db.db);
}

// ---------------------------------------------------------------------------------------------------
// The sync ceiling: the simulator's multi status, no database

export async function measureSyncCeiling(o: EngineOptions, sim: SimChild, when: string): Promise<EngineRow> {
  o.log(`  -        ${SYNC_CEILING_NAME} (${when}) ...`);
  const w = await startWorkerChild(
    {
      BENCH_WORKER_MODE: 'ceiling',
      BENCH_SIM_URL: sim.url,
      BENCH_SIM_KEY: SIM_KEY,
      BENCH_SIM_PRELOAD: String(o.syncOrders),
    },
    o.workerCpu,
  );
  try {
    const { results, cpu } = await runWorkers(
      [w],
      { seconds: o.ceilingSeconds + o.warmup, warmup: o.warmup },
      null,
      sim.pid,
    );
    const r = results[0] as WorkerResult;
    const seconds = (r.windowEnd - r.windowStart) / 1000;
    const row: EngineRow = {
      scenario: `${SYNC_CEILING_NAME} (${when})`,
      database: '-',
      workers: 1,
      orders: r.windowOrders,
      seconds,
      ordersPerSec: r.windowOrders / seconds,
      callsPerSec: r.windowCalls / seconds,
      syncRatio: true,
      problems: r.warnings + r.errors,
      check: r.errors ? `FAILED: ${r.problems[0] ?? ''}` : 'every answer In progress',
      cpu,
    };
    o.log(`           ${Math.round(row.callsPerSec)} calls/s = ${Math.round(row.ordersPerSec)} ids/s`);
    return row;
  } finally {
    await w.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// Sync

export async function benchSync(o: EngineOptions, kind: Kind, sim: SimChild): Promise<EngineRow[]> {
  const names = syncNames(o);
  if (o.aborting()) return [];
  const phases = (
    [
      { name: names.unchanged, remains: PRELOADED.remains },
      { name: names.changed, remains: PRELOADED.quantity },
    ] as const
  ).filter((p) => o.selected(p.name));
  if (phases.length === 0) return [];
  const fresh = await o.freshDatabase(kind);
  const rows: EngineRow[] = [];
  try {
    const t0 = performance.now();
    const db = await openDatabase(fresh.url);
    let seeded: EngineSeed;
    const base = Date.now() - OVERDUE_BASE_MS;
    try {
      seeded = await seedBasics(db, sim.url);
      await bulkInsertOrders(db, o.syncOrders, {
        ...orderColumns(seeded, Date.now()),
        link: "'https://bench.example/sync/' || i",
        status: "'in_progress'",
        remains: String(phases[0]?.remains ?? PRELOADED.remains),
        start_count: String(PRELOADED.startCount),
        dispatch_state: "'sent'",
        provider_order_id: `CAST(${PRELOADED.firstId} + i AS TEXT)`,
        dispatch_attempts: '1',
      });
      // The sync's schedule: every order due, the oldest first (ids in the order made).
      await sql`INSERT INTO order_checks (order_id, provider_id, next_check_at, unchanged_checks)
        SELECT id, provider_id, ${base} + id, 0 FROM orders WHERE dispatch_state = 'sent'`.execute(db.db);
      await settle(db);
    } finally {
      await db.close();
    }
    o.log(
      `  ${kind.padEnd(8)} ${n(o.syncOrders)} active orders seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    for (const [k, phase] of phases.entries()) {
      if (o.aborting()) throw new Error('stopping');
      if (k > 0) {
        // Every order due again, and stored with what the simulator will now contradict (or match).
        const again = await openDatabase(fresh.url, { migrate: false });
        try {
          await sql`UPDATE orders SET remains = ${phase.remains}, last_error = NULL, status = 'in_progress'`.execute(
            again.db,
          );
          await sql`UPDATE order_checks SET unchanged_checks = 0,
            next_check_at = ${Date.now() - OVERDUE_BASE_MS} + order_id`.execute(again.db);
          await settle(again);
        } finally {
          await again.close();
        }
      }
      o.log(`  ${kind.padEnd(8)} ${phase.name} ...`);
      const w = await startWorkerChild(
        { BENCH_WORKER_MODE: 'engine', BENCH_DATABASE_URL: fresh.url, BENCH_PG_POOL: String(o.pgPool) },
        o.workerCpu,
      );
      let result: WorkerResult;
      let cpu: EngineRow['cpu'];
      try {
        const run = await runWorkers(
          [w],
          { seconds: o.syncSeconds + o.warmup, warmup: o.warmup },
          fresh.pgDbName,
          sim.pid,
        );
        result = run.results[0] as WorkerResult;
        cpu = run.cpu;
      } finally {
        await w.stop();
      }
      // What the database shows once the worker stopped: at least every order counted was updated.
      const check = await openDatabase(fresh.url, { migrate: false });
      let updated: number;
      try {
        const row = await (phase.remains === PRELOADED.remains
          ? check.db
              .selectFrom('order_checks')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('unchanged_checks', '>', 0)
          : check.db
              .selectFrom('orders')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('remains', '=', PRELOADED.remains)
        ).executeTakeFirstOrThrow();
        updated = Number(row.n);
      } finally {
        await check.close();
      }
      const seconds = (result.windowEnd - result.windowStart) / 1000;
      const problems = result.warnings + result.errors;
      const row: EngineRow = {
        scenario: phase.name,
        database: kind,
        workers: 1,
        orders: result.windowOrders,
        seconds,
        ordersPerSec: result.windowOrders / seconds,
        callsPerSec: result.windowCalls / seconds,
        syncRatio: true,
        problems,
        check:
          result.work > 0 && !result.calls.status
            ? 'FAILED: the upstream calls were not observed (bench/worker.ts)'
            : updated >= result.windowOrders
              ? `${n(updated)} orders updated in the db${result.drained ? ', all checked' : ''}`
              : `ONLY ${n(updated)} updated in the db`,
        cpu,
      };
      o.log(
        `           ${Math.round(row.ordersPerSec)} orders/s, ${Math.round(row.callsPerSec)} calls/s` +
          (problems ? `, ${problems} engine warnings/errors, e.g. ${result.problems[0]}` : ''),
      );
      rows.push(row);
    }
  } finally {
    await fresh.remove();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Dispatch

interface SimStats {
  adds: number;
  orders: number;
  byLink: Record<string, number>;
}

async function simStats(sim: SimChild): Promise<SimStats> {
  const res = await fetch(sim.url.replace(/\/api\/v2$/, '/sim/stats'), {
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as SimStats;
}

export async function benchDispatch(o: EngineOptions, kind: Kind): Promise<EngineRow[]> {
  const name = dispatchName(o);
  if (!o.selected(name) || o.aborting()) return [];
  const rows: EngineRow[] = [];
  const sim = await startSim(0);
  try {
    const fresh = await o.freshDatabase(kind);
    try {
      const db = await openDatabase(fresh.url);
      let seeded: EngineSeed;
      try {
        seeded = await seedBasics(db, sim.url, o.dispatchLanes);
      } finally {
        await db.close();
      }
      for (const count of DISPATCH_WORKERS) {
        if (o.aborting()) throw new Error('stopping');
        rows.push(await dispatchRun(o, kind, fresh, sim, seeded, count));
      }
    } finally {
      await fresh.remove();
    }
  } finally {
    await sim.stop();
  }
  return rows;
}

async function dispatchRun(
  o: EngineOptions,
  kind: Kind,
  fresh: FreshDatabase,
  sim: SimChild,
  seeded: EngineSeed,
  workerCount: number,
): Promise<EngineRow> {
  const linkPrefix = `https://bench.example/dispatch-${workerCount}/`;
  const db = await openDatabase(fresh.url, { migrate: false });
  try {
    await bulkInsertOrders(db, o.dispatchOrders, {
      ...orderColumns(seeded, Date.now()),
      link: `'${linkPrefix}' || i`,
      status: "'pending'",
      remains: String(PRELOADED.quantity),
      dispatch_state: "'queued'",
      dispatch_attempts: '0',
      next_attempt_at: `${Date.now() - OVERDUE_BASE_MS} + i`,
    });
    await settle(db);
  } finally {
    await db.close();
  }
  const before = await simStats(sim);
  o.log(`  ${kind.padEnd(8)} ${dispatchName(o)}, ${workerCount} worker${workerCount > 1 ? 's' : ''} ...`);

  const workers: WorkerChild[] = [];
  let results: WorkerResult[];
  let cpu: EngineRow['cpu'];
  try {
    for (let i = 0; i < workerCount; i++) {
      workers.push(
        await startWorkerChild(
          {
            BENCH_WORKER_MODE: 'engine',
            BENCH_DATABASE_URL: fresh.url,
            BENCH_PG_POOL: String(o.pgPool),
            BENCH_WORKER_SYNC_BASE_MS: String(DISPATCH_SYNC_BASE_MS),
            BENCH_WORKER_DISPATCH_LANES: String(o.dispatchLanes),
          },
          o.workerCpu,
        ),
      );
    }
    ({ results, cpu } = await runWorkers(
      workers,
      { seconds: DISPATCH_TIMEOUT_S, warmup: 0 },
      fresh.pgDbName,
      sim.pid,
    ));
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }

  // Verify: every order sent, each with its own upstream order, and the simulator got one add per order.
  const check = await openDatabase(fresh.url, { migrate: false });
  let states: Record<string, number>;
  let distinctUpstream: number;
  try {
    const byState = await check.db
      .selectFrom('orders')
      .select(['dispatch_state', (eb) => eb.fn.countAll().as('n')])
      .where('link', 'like', `${linkPrefix}%`)
      .groupBy('dispatch_state')
      .execute();
    states = Object.fromEntries(byState.map((r) => [r.dispatch_state, Number(r.n)]));
    const d = await check.db
      .selectFrom('orders')
      .select((eb) => eb.fn.count('provider_order_id').distinct().as('n'))
      .where('link', 'like', `${linkPrefix}%`)
      .executeTakeFirstOrThrow();
    distinctUpstream = Number(d.n);
  } finally {
    await check.close();
  }
  const after = await simStats(sim);
  // Every add the workers sent was observed, and the simulator received exactly those.
  const addCalls = results.reduce((sum, r) => sum + (r.calls.add?.calls ?? 0), 0);
  const links = Object.entries(after.byLink).filter(([link]) => link.startsWith(linkPrefix));
  const twice = links.filter(([, c]) => c > 1).length;
  const adds = after.adds - before.adds;
  const sent = states.sent ?? 0;
  const allGood =
    sent === o.dispatchOrders &&
    adds === o.dispatchOrders &&
    links.length === o.dispatchOrders &&
    twice === 0 &&
    addCalls === adds;
  const addsText = `${n(adds)} adds for ${n(o.dispatchOrders)} orders, ${twice === 0 ? 'none twice' : `${twice} TWICE`}`;
  const stateText = Object.entries(states)
    .map(([s, c]) => `${s} ${n(c)}`)
    .join(', ');
  o.log(`           db: ${stateText}; ${distinctUpstream} distinct upstream ids; simulator: ${addsText}`);

  const startedAt = Math.min(...results.map((r) => r.startedAt));
  const endedAt = Math.max(...results.map((r) => r.lastWorkAt));
  const seconds = (endedAt - startedAt) / 1000;
  const problems = results.reduce((sum, r) => sum + r.warnings + r.errors, 0);
  const drained = results.every((r) => r.drained);
  const row: EngineRow = {
    scenario: dispatchName(o),
    database: kind,
    workers: workerCount,
    orders: sent,
    seconds,
    ordersPerSec: sent / seconds,
    callsPerSec: addCalls / seconds,
    syncRatio: false,
    problems,
    check: allGood
      ? `one add per order (${addsText})`
      : `FAILED: ${drained ? '' : `not done in ${DISPATCH_TIMEOUT_S} s; `}${stateText}; ${addsText}`,
    cpu,
  };
  o.log(
    `           ${Math.round(row.ordersPerSec)} orders/s in ${seconds.toFixed(1)} s` +
      (problems
        ? `, ${problems} engine warnings/errors, e.g. ${results.find((r) => r.problems[0])?.problems[0]}`
        : ''),
  );
  if (!allGood) o.log(`!! ${kind} dispatch with ${workerCount} worker(s): ${row.check}`);
  return row;
}
