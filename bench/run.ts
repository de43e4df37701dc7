/**
 * `npm run bench`: req/s and p99 latency of API v2 calls on SQLite and Postgres, next to the ceiling
 * of a bare Fastify route measured in the same run; then the fulfilment engine's scenarios (status sync
 * of a large population of active orders, dispatch with one and two workers: bench/engine.ts), next to
 * the ceiling of the simulated provider's multi `status` with no database. See docs/benchmarks.md.
 *
 * The server under test runs in a child process (bench/server.ts); the load generator (autocannon's
 * programmatic API) runs here, so the two never share an event loop. The engine runs in worker
 * children (bench/worker.ts), the simulated provider in a server child. Everything targets 127.0.0.1.
 * Settings (environment):
 *   BENCH_DURATION     seconds measured per scenario (default 5)
 *   BENCH_WARMUP       seconds of unmeasured warm-up before each scenario (default 1; 0 for none)
 *   BENCH_CONNECTIONS  concurrent connections (default 50)
 *   BENCH_DBS          which databases, comma-separated (default sqlite,postgres)
 *   BENCH_ONLY         a regular expression: only the scenarios whose name matches (and the ceilings
 *                      they are compared with), e.g. BENCH_ONLY='^add', '^sync', '^dispatch'
 *   BENCH_SYNC_ORDERS  active orders the sync scenarios keep in sync (default 100000)
 *   BENCH_SYNC_SECONDS seconds measured per sync scenario, after the warm-up (default 10)
 *   BENCH_DISPATCH_ORDERS  queued orders each dispatch scenario sends (default 10000)
 *   BENCH_DISPATCH_LANES   the dispatch worker's lanes and claim size, and the simulator provider's
 *                      send limit (default and most 100, the highest send limit; the panel runs 10
 *                      lanes and claims of 10 by default)
 *   BENCH_PIN=1        pin the server child to the last core and this process to the others (taskset)
 *   BENCH_START_RUNS   starts of the panel measured per database for the start time (default 5;
 *                      BENCH_ONLY='^start' measures only that)
 *   BENCH_PG_URL       the Postgres used to create and drop the throwaway database
 *                      (default postgres://postgres@127.0.0.1:5432/postgres; must be on this machine)
 *   BENCH_PG_POOL      the Postgres pool size of the server and worker children (default 10, the
 *                      panel's own default)
 *   BENCH_SERVER_NODE_ARGS  extra node flags for the children, e.g. '--cpu-prof --cpu-prof-dir=DIR'
 *   BENCH_SCALE        sizes of the scale scenarios, e.g. 10k,1m,10m (default off: bench/scale.ts)
 *   BENCH_SCALE_USERS  users the scale seed spreads the orders over (default 100000)
 *   BENCH_SCALE_WORKER 0: the scale scenarios' server runs without its worker (default 1)
 *   BENCH_SCALE_ROUNDS rounds of the calls per size, alternating between the sizes; each figure is
 *                      the median of its rounds (default 3)
 * Flags: --markdown prints only the markdown tables on stdout (progress always goes to stderr).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServer, stopAllChildren } from './child.js';
import { CEILING_BODY_TEXT } from './constants.js';
import { CpuMeter } from './cpu.js';
import {
  anySyncSelected,
  benchDispatch,
  benchSync,
  DISPATCH_WORKERS,
  dispatchName,
  type EngineOptions,
  type FreshDatabase,
  type Kind,
  measureSyncCeiling,
  SYNC_CEILING_NAME,
  startSim,
} from './engine.js';
import { createPgDatabase, PG_ADMIN_URL, postgresProblem } from './pg.js';
import {
  type Ceilings,
  type EngineRow,
  engineMarkdownReport,
  engineTextReport,
  markdownReport,
  type Row,
  textReport,
} from './report.js';
import { benchScale, parseScaleSizes, type ScaleRun, scaleReport } from './scale.js';
import { ADD_LINK, ADD_QUANTITY, OTHER_USERS, SERVICE_COUNT, type Seeded, seed } from './seed.js';
import { benchStart, type StartRow, startReport } from './start.js';

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

const HOST = '127.0.0.1';
const DURATION = envNumber('BENCH_DURATION', 5, 1, 600);
const WARMUP = envNumber('BENCH_WARMUP', 1, 0, 60);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 50, 1, 1000);
const DBS = (process.env.BENCH_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : null;
const SYNC_ORDERS = envNumber('BENCH_SYNC_ORDERS', 100_000, 100, 10_000_000);
const SYNC_SECONDS = envNumber('BENCH_SYNC_SECONDS', 10, 1, 600);
const DISPATCH_ORDERS = envNumber('BENCH_DISPATCH_ORDERS', 10_000, 1, 1_000_000);
const DISPATCH_LANES = envNumber('BENCH_DISPATCH_LANES', 100, 1, 100);
const PG_POOL = envNumber('BENCH_PG_POOL', 10, 1, 1000);
const START_RUNS = envNumber('BENCH_START_RUNS', 5, 1, 100);
const SCALE_SIZES = parseScaleSizes(process.env.BENCH_SCALE);
const SCALE_USERS = envNumber('BENCH_SCALE_USERS', 100_000, 100, 10_000_000);
const SCALE_WORKER = envNumber('BENCH_SCALE_WORKER', 1, 0, 1) === 1;
const SCALE_ROUNDS = envNumber('BENCH_SCALE_ROUNDS', 3, 1, 20);
/** The name BENCH_ONLY matches to select the start-time measurement. */
const START_NAME = 'start time';
const selected = (name: string) => !ONLY || ONLY.test(name);
const MARKDOWN_ONLY = process.argv.includes('--markdown');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Cleanup: whatever happens (failure, Ctrl-C, watchdog), stop the children and remove what was created.

const cleanups = new Set<() => Promise<void> | void>();
let cleaning: Promise<void> | null = null;

function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllChildren().catch(() => {});
    for (const fn of [...cleanups].reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    cleanups.clear();
  })();
  return cleaning;
}

/** Stop now (signal, watchdog): clean up, then exit with `code`. */
let aborting = false;

function abort(message: string, code: number): void {
  aborting = true;
  log(`\n${message}: stopping, cleaning up...`);
  // Dropping the database under a query still running (seeding) makes pg emit errors: expected now.
  process.on('uncaughtException', (err) => log(`(while stopping) ${err.message}`));
  void cleanupAll().finally(() => process.exit(code));
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => abort(signal, 130));
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** The body every connection sends, or one per connection (round-robin over the connections). */
  body: string | string[] | undefined;
  /** Whether an answer is the right one (a cheap string test, run on every response). */
  check: (body: string) => boolean;
  /** Extra request headers (a session cookie). */
  headers?: Record<string, string>;
}

const form = (p: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, String(v)])).toString();

const ceilingScenarios: Scenario[] = [
  {
    name: 'ceiling: bare GET, constant JSON',
    method: 'GET',
    path: '/ceiling',
    body: undefined,
    check: (b) => b === CEILING_BODY_TEXT,
  },
  {
    name: 'ceiling: bare POST, form parsed',
    method: 'POST',
    path: '/ceiling',
    body: form({ key: 'x'.repeat(64), action: 'balance' }),
    check: (b) => b === CEILING_BODY_TEXT,
  },
];

function panelScenarios(s: Seeded): Scenario[] {
  const add = (key: string) =>
    form({ key, action: 'add', service: s.serviceId, link: ADD_LINK, quantity: ADD_QUANTITY });
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
      body: form({ key: s.apiKey, action: 'status', order: s.orderId }),
      check: (b) => b.startsWith('{"charge":"'),
    },
    {
      name: 'status, 100 orders',
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'status', orders: s.orderIds.join(',') }),
      check: (b) => b.startsWith('{"') && !b.includes('"error"') && b.length > 100 * 80,
    },
    {
      name: `services (${SERVICE_COUNT})`,
      method: 'POST',
      path: '/api/v2',
      body: form({ key: s.apiKey, action: 'services' }),
      check: (b) => b.startsWith('[{"service":') && !b.includes('"error"'),
    },
    {
      name: 'add, 1 user',
      method: 'POST',
      path: '/api/v2',
      body: add(s.apiKey),
      check: (b) => b.startsWith('{"order":'),
    },
    {
      name: `add, ${Math.min(CONNECTIONS, s.otherKeys.length)} users`,
      method: 'POST',
      path: '/api/v2',
      body: s.otherKeys.slice(0, CONNECTIONS).map(add),
      check: (b) => b.startsWith('{"order":'),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Measuring

/** What one scenario measured: the window's rate and latencies, and what went wrong in the whole run. */
interface Measured {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers counted in the window. */
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  /** From the first request until every connection had its first answer. */
  admittedMs: number;
  cpu: Row['cpu'];
}

/**
 * One scenario on CONNECTIONS keep-alive connections: the load runs until every connection has had an
 * answer (the server has accepted them all), then WARMUP seconds more, then DURATION seconds are
 * measured on the same connections. A Node server at full load accepts one new connection per turn
 * of its event loop (libuv since 1.45), so the connections' first requests wait for turns, up to
 * seconds when a turn is long; counting them would measure how fast a busy server admits connections,
 * not what a request on an open keep-alive connection costs (docs/benchmarks.md "The measured window").
 * Errors, timeouts, non-2xx and wrong answers are counted over the whole run, warm-up included.
 */
function cannon(port: number, sc: Scenario, meter: CpuMeter): Promise<Measured> {
  const bodies = Array.isArray(sc.body) ? sc.body : null;
  let nextClient = 0;
  const ADMIT_LIMIT_S = 30;
  const opts: autocannon.Options = {
    url: `http://${HOST}:${port}${sc.path}`,
    method: sc.method,
    connections: CONNECTIONS,
    // Stopped by the window below; this only bounds a run that never gets there.
    duration: ADMIT_LIMIT_S + WARMUP + DURATION + 30,
    timeout: 10,
    verifyBody: (body) => sc.check(typeof body === 'string' ? body : String(body ?? '')),
    headers: { ...(sc.method === 'POST' ? FORM : {}), ...sc.headers },
    ...(typeof sc.body === 'string' ? { body: sc.body } : {}),
    ...(bodies
      ? {
          setupClient: (client: autocannon.Client) => {
            client.setBody(bodies[nextClient++ % bodies.length]);
          },
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const answered = new Set<autocannon.Client>();
    const latencies: number[] = [];
    let admittedAt: number | null = null;
    let windowStart = Number.POSITIVE_INFINITY;
    let windowEnd = Number.POSITIVE_INFINITY;
    let cpu: Row['cpu'] | null = null;
    const timers: NodeJS.Timeout[] = [];
    const openWindow = () => {
      if (admittedAt !== null) return;
      admittedAt = performance.now();
      windowStart = admittedAt + WARMUP * 1000;
      windowEnd = windowStart + DURATION * 1000;
      timers.push(
        setTimeout(() => meter.start(), windowStart - admittedAt),
        setTimeout(() => {
          cpu = meter.stop();
          instance.stop();
        }, windowEnd - admittedAt),
      );
    };
    // A connection that never gets an answer (a server that refuses it) must not hold the run forever.
    timers.push(setTimeout(openWindow, ADMIT_LIMIT_S * 1000));
    const instance = autocannon(opts, (err, result) => {
      for (const t of timers) clearTimeout(t);
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      if (cpu === null || admittedAt === null) return reject(new Error(`"${sc.name}": the run ended early`));
      latencies.sort((a, b) => a - b);
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      resolve({
        reqPerSec: latencies.length / DURATION,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        total: latencies.length,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        mismatches: result.mismatches,
        admittedMs: admittedAt - t0,
        cpu,
      });
    });
    instance.on('response', (client, _status, _bytes, responseTime) => {
      const now = performance.now();
      if (admittedAt === null) {
        answered.add(client);
        if (answered.size >= CONNECTIONS) openWindow();
      } else if (now >= windowStart && now < windowEnd) latencies.push(responseTime);
    });
  });
}

async function preflight(port: number, sc: Scenario): Promise<void> {
  const body = Array.isArray(sc.body) ? sc.body[0] : sc.body;
  const res = await fetch(`http://${HOST}:${port}${sc.path}`, {
    method: sc.method,
    headers: { ...(sc.method === 'POST' ? FORM : {}), ...sc.headers },
    ...(sc.method === 'POST' ? { body: body ?? '' } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200 || !sc.check(text)) {
    throw new Error(`"${sc.name}" answers HTTP ${res.status} ${text.slice(0, 200)}: not what it should`);
  }
}

async function measure(
  port: number,
  serverPid: number,
  pgDbName: string | null,
  sc: Scenario,
  database: string,
): Promise<Row> {
  if (aborting) throw new Error('stopping');
  log(`  ${database.padEnd(8)} ${sc.name} ...`);
  await preflight(port, sc);
  const r = await cannon(port, sc, new CpuMeter(serverPid, pgDbName));
  const bad = r.errors + r.non2xx + r.mismatches;
  const row: Row = {
    scenario: sc.name,
    database,
    reqPerSec: r.reqPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    bad,
    total: r.total,
    cpu: r.cpu,
  };
  log(
    `           ${Math.round(row.reqPerSec)} req/s, p99 ${row.p99Ms.toFixed(1)} ms (all ${CONNECTIONS} connections answered after ${Math.round(r.admittedMs)} ms)` +
      (bad
        ? `, ${bad} failed (errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, wrong answers ${r.mismatches})`
        : ''),
  );
  return row;
}

/** A new empty database (a temporary SQLite file, or a Postgres database), removed on cleanup. */
async function freshDatabase(kind: Kind): Promise<FreshDatabase> {
  if (aborting) throw new Error('stopping');
  let url: string;
  let pgDbName: string | null = null;
  let drop: () => Promise<void> | void;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'smm-bench-'));
    url = `sqlite:${join(dir, 'panel.db')}`;
    drop = () => rmSync(dir, { recursive: true, force: true });
  } else {
    // A signal during CREATE DATABASE: the cleanup waits for it to finish, then drops it.
    const creating = createPgDatabase();
    const pending = async () => {
      await (await creating.catch(() => null))?.drop();
    };
    cleanups.add(pending);
    const pgDb = await creating.finally(() => cleanups.delete(pending));
    url = pgDb.url;
    pgDbName = pgDb.name;
    drop = () => pgDb.drop();
  }
  // One drop, shared: when a signal arrives while the run is removing this database, the cleanup
  // waits for that same drop instead of exiting under it.
  let dropping: Promise<void> | null = null;
  const dropOnce = () => {
    dropping ??= Promise.resolve().then(drop);
    return dropping;
  };
  cleanups.add(dropOnce);
  return {
    url,
    pgDbName,
    async remove() {
      await dropOnce();
      cleanups.delete(dropOnce);
    },
  };
}

/** The names of the panel scenarios, without seeding anything. */
function panelScenarioNames(): string[] {
  const otherKeys = Array.from({ length: OTHER_USERS }, () => '');
  return panelScenarios({ apiKey: '', orderId: 0, orderIds: [], serviceId: 0, otherKeys }).map((x) => x.name);
}

async function benchDatabase(kind: Kind, serverCpu: string | undefined): Promise<Row[]> {
  const fresh = await freshDatabase(kind);
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    const seeded = await seed(fresh.url);
    log(`  ${kind.padEnd(8)} seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const server = await startServer(
      { BENCH_SERVER_MODE: 'panel', BENCH_DATABASE_URL: fresh.url, BENCH_PG_POOL: String(PG_POOL) },
      serverCpu,
    );
    try {
      for (const sc of panelScenarios(seeded).filter((x) => selected(x.name))) {
        rows.push(await measure(server.port, server.pid, fresh.pgDbName, sc, kind));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await fresh.remove();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// The machine

function machine(): string {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const ram = (os.totalmem() / 2 ** 30).toFixed(1);
  // os.cpus(), not availableParallelism(): the latter follows this process's affinity (BENCH_PIN).
  return `${os.cpus().length} cores (${cpuModel}), ${ram} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** The code measured: commit, and whether the working tree had changes. */
function revision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** With BENCH_PIN=1: the server child on the last core, this process on the others. */
function pinning(): string | undefined {
  if (process.env.BENCH_PIN !== '1') return undefined;
  const n = os.cpus().length;
  if (n < 2) {
    log('BENCH_PIN=1 ignored: fewer than 2 cores');
    return undefined;
  }
  try {
    execFileSync('taskset', ['-a', '-p', '-c', `0-${n - 2}`, String(process.pid)], { stdio: 'ignore' });
  } catch {
    log('BENCH_PIN=1 ignored: taskset failed');
    return undefined;
  }
  return String(n - 1);
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const dbs = DBS.filter((d): d is 'sqlite' | 'postgres' => d === 'sqlite' || d === 'postgres');
  if (dbs.length === 0) throw new Error('BENCH_DBS names no known database (sqlite, postgres)');
  const notices: string[] = [];
  if (dbs.includes('postgres')) {
    const problem = await postgresProblem();
    if (problem) {
      const where = PG_ADMIN_URL.replace(/\/\/[^@/]*@/, '//');
      dbs.splice(dbs.indexOf('postgres'), 1);
      notices.push(
        `Postgres at ${where} is not usable (${problem}): Postgres skipped${dbs.length ? ', SQLite only' : ''}.`,
      );
      log(`\n!! ${notices[notices.length - 1]}\n`);
    }
  }

  const engine: EngineOptions = {
    log,
    aborting: () => aborting,
    freshDatabase,
    workerCpu: undefined,
    selected,
    warmup: WARMUP,
    ceilingSeconds: DURATION,
    syncOrders: SYNC_ORDERS,
    syncSeconds: SYNC_SECONDS,
    dispatchOrders: DISPATCH_ORDERS,
    dispatchLanes: DISPATCH_LANES,
    pgPool: PG_POOL,
  };
  const apiCount = panelScenarioNames().filter(selected).length;
  const syncSelected = anySyncSelected(engine);
  const dispatchRuns = selected(dispatchName(engine)) ? dbs.length * DISPATCH_WORKERS.length : 0;
  const startSelected = selected(START_NAME);
  if (apiCount === 0 && !syncSelected && dispatchRuns === 0 && !startSelected && SCALE_SIZES.length === 0)
    throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY} selects no scenario`);

  const scenarioCount = (apiCount ? 2 * ceilingScenarios.length : 0) + apiCount * dbs.length;
  const engineBudgetS =
    (syncSelected
      ? 2 * (DURATION + WARMUP + 30) + dbs.length * (2 * (SYNC_SECONDS + WARMUP + 60) + 120)
      : 0) +
    dispatchRuns * 240 +
    (startSelected ? 120 * (dbs.length + 1) : 0) +
    // Scale: seeding (about 2 min per million orders on Postgres here, with room), then 9 scenarios a
    // round and the full sync.
    dbs.length *
      SCALE_SIZES.reduce(
        (s, n) => s + 240 * (n / 1e6) + SCALE_ROUNDS * (9 * (DURATION + WARMUP + 20) + 60) + 180,
        0,
      );
  const budgetS = scenarioCount * (DURATION + WARMUP + 20) + 300 * dbs.length + engineBudgetS;
  const watchdog = setTimeout(
    () => abort(`the bench did not finish within its ${budgetS} s budget`, 2),
    budgetS * 1000,
  );
  watchdog.unref();

  const serverCpu = pinning();
  engine.workerCpu = serverCpu;
  const started = new Date();
  // The code measured: read now (just after the build), not at the end, when others may have committed.
  const code = revision();
  log(
    `smm-panel bench: ${CONNECTIONS} connections, ${DURATION} s per scenario (+${WARMUP} s warm-up), ` +
      `databases: ${dbs.join(', ')}${serverCpu ? `, server and workers pinned to core ${serverCpu}` : ''}`,
  );
  log(`machine: ${machine()}`);

  const rows: Row[] = [];
  const engineRows: EngineRow[] = [];
  const startRows: StartRow[] = [];
  const scaleRuns: ScaleRun[] = [];
  const ceilingRuns: { get: number[]; post: number[]; sync: number[] } = { get: [], post: [], sync: [] };
  // The scale scenarios are compared with the same ceilings.
  const ceiling =
    apiCount || SCALE_SIZES.length ? await startServer({ BENCH_SERVER_MODE: 'ceiling' }, serverCpu) : null;
  const measureCeilings = async (when: string) => {
    if (!ceiling) return;
    for (const sc of ceilingScenarios) {
      const row = await measure(ceiling.port, ceiling.pid, null, sc, '-');
      row.scenario = `${sc.name} (${when})`;
      (sc.method === 'GET' ? ceilingRuns.get : ceilingRuns.post).push(row.reqPerSec);
      rows.push(row);
    }
  };
  let failed = false;
  // One simulated provider holding the sync population for the whole run (its orders never change).
  let syncSim: Awaited<ReturnType<typeof startSim>> | null = null;
  const measureSyncCeilings = async (when: string) => {
    if (!syncSim) return;
    const row = await measureSyncCeiling(engine, syncSim, when);
    ceilingRuns.sync.push(row.ordersPerSec);
    engineRows.push(row);
  };
  try {
    await measureCeilings('start');
    if (syncSelected) {
      syncSim = await startSim(SYNC_ORDERS);
      await measureSyncCeilings('start');
    }
    for (const kind of dbs) {
      if (aborting) break;
      try {
        if (apiCount) rows.push(...(await benchDatabase(kind, serverCpu)));
        if (syncSim) engineRows.push(...(await benchSync(engine, kind, syncSim)));
        engineRows.push(...(await benchDispatch(engine, kind)));
      } catch (err) {
        failed = true;
        const msg = `${kind} failed: ${err instanceof Error ? err.message : String(err)}`;
        notices.push(msg);
        log(`!! ${msg}`);
      }
    }
    for (const kind of SCALE_SIZES.length ? dbs : []) {
      if (aborting) break;
      try {
        scaleRuns.push(
          ...(await benchScale(
            {
              log,
              aborting: () => aborting,
              freshDatabase,
              measure,
              sizes: SCALE_SIZES,
              users: SCALE_USERS,
              worker: SCALE_WORKER,
              rounds: SCALE_ROUNDS,
              serverCpu,
              pgPool: PG_POOL,
            },
            kind,
          )),
        );
      } catch (err) {
        failed = true;
        const msg = `scale ${kind} failed: ${err instanceof Error ? err.message : String(err)}`;
        notices.push(msg);
        log(`!! ${msg}`);
      }
    }
    await measureSyncCeilings('end');
    await measureCeilings('end');
    if (startSelected && !aborting) {
      const pgDb = dbs.includes('postgres') ? await createPgDatabase() : null;
      if (pgDb) cleanups.add(() => pgDb.drop());
      try {
        startRows.push(...(await benchStart({ runs: START_RUNS, postgresUrl: pgDb?.url ?? null, log })));
      } catch (err) {
        failed = true;
        notices.push(`start time failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await ceiling?.stop();
    await syncSim?.stop();
  }

  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const ceilings: Ceilings = { get: mean(ceilingRuns.get), post: mean(ceilingRuns.post) };
  const syncCeiling = mean(ceilingRuns.sync);
  const header = [
    `smm-panel bench, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `machine: ${machine()}`,
    `code: ${code}`,
    ...(apiCount
      ? [
          `API: autocannon, ${CONNECTIONS} connections, ${DURATION} s per scenario after ${WARMUP} s warm-up, ` +
            `127.0.0.1, server in a child process${serverCpu ? ` pinned to core ${serverCpu}` : ', not pinned'}; ` +
            'ratios: req/s divided by the mean of the two ceiling runs (start and end of the bench)',
        ]
      : []),
    ...(engineRows.length
      ? [
          `engine: workerRound in worker child processes, the simulated provider in another; sync of ` +
            `${SYNC_ORDERS.toLocaleString('en-US')} active orders, ${SYNC_SECONDS} s per scenario after ` +
            `${WARMUP} s warm-up; dispatch of ${DISPATCH_ORDERS.toLocaleString('en-US')} queued orders from ` +
            `queued to sent; ratio: orders/s divided by the mean of the "${SYNC_CEILING_NAME}" runs`,
        ]
      : []),
    ...notices.map((n) => `NOTE: ${n}`),
  ];
  const out: string[] = [];
  const textTables = [
    ...(rows.length ? [textReport(rows, ceilings)] : []),
    ...(engineRows.length ? [`Engine:\n${engineTextReport(engineRows, syncCeiling)}`] : []),
    ...(startRows.length ? [`Start time:\n${startReport(startRows, false)}`] : []),
    ...(scaleRuns.length ? [scaleReport(scaleRuns, { worker: SCALE_WORKER })] : []),
  ];
  const markdownTables = [
    ...(rows.length ? [markdownReport(rows, ceilings)] : []),
    ...(engineRows.length ? [engineMarkdownReport(engineRows, syncCeiling)] : []),
    ...(startRows.length ? [startReport(startRows, true)] : []),
    ...(scaleRuns.length ? [scaleReport(scaleRuns, { worker: SCALE_WORKER })] : []),
  ];
  if (!MARKDOWN_ONLY) out.push(...header, '', textTables.join('\n\n'), '', '--- markdown ---', '');
  out.push(...(MARKDOWN_ONLY ? header.map((h) => `${h}  `) : []), markdownTables.join('\n\n'));
  process.stdout.write(`${out.join('\n')}\n`);
  const engineBad = engineRows.filter((r) => r.problems > 0 || /FAILED|ONLY/.test(r.check));
  if (engineBad.length)
    log(`\nwarning: ${engineBad.length} engine scenario(s) had warnings or failed checks (see the table)`);
  const anyBad = rows.filter((r) => r.bad > 0);
  if (anyBad.length)
    log(`\nwarning: ${anyBad.length} scenario(s) had failed requests (see the "failed" column)`);
  return failed ? 1 : 0;
}

main()
  .then(
    async (code) => {
      await cleanupAll();
      process.exitCode = code;
    },
    async (err: unknown) => {
      // While stopping (signal, watchdog), failures of what was under way are expected: abort() reports.
      if (!aborting) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await cleanupAll();
      process.exitCode = 1;
    },
  )
  .finally(() => {
    // Nothing should be left; if a handle lingers, do not hang.
    setTimeout(() => process.exit(), 2000).unref();
  });
