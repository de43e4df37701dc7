/**
 * `npm run bench`: req/s and p99 latency of API v2 calls on SQLite and Postgres, next to the ceiling
 * of a bare Fastify route measured in the same run. See docs/benchmarks.md.
 *
 * The server under test runs in a child process (bench/server.ts); the load generator (autocannon's
 * programmatic API) runs here, so the two never share an event loop. Everything targets 127.0.0.1.
 * Settings (environment):
 *   BENCH_DURATION     seconds measured per scenario (default 5)
 *   BENCH_WARMUP       seconds of unmeasured warm-up before each scenario (default 1; 0 for none)
 *   BENCH_CONNECTIONS  concurrent connections (default 50)
 *   BENCH_DBS          which databases, comma-separated (default sqlite,postgres)
 *   BENCH_ONLY         a regular expression: only the panel scenarios whose name matches (the ceilings
 *                      always run), e.g. BENCH_ONLY='^add'
 *   BENCH_PIN=1        pin the server child to the last core and this process to the others (taskset)
 *   BENCH_PG_URL       the Postgres used to create and drop the throwaway database
 *                      (default postgres://postgres@127.0.0.1:5432/postgres; must be on this machine)
 *   BENCH_PG_POOL      the panel's Postgres pool size (default 10, the panel's own default)
 *   BENCH_SERVER_NODE_ARGS  extra node flags for the server child, e.g. '--cpu-prof --cpu-prof-dir=DIR'
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
import { createPgDatabase, PG_ADMIN_URL, postgresProblem } from './pg.js';
import { type Ceilings, markdownReport, type Row, textReport } from './report.js';
import { ADD_LINK, ADD_QUANTITY, SERVICE_COUNT, type Seeded, seed } from './seed.js';

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

function cannon(port: number, sc: Scenario, seconds: number): Promise<autocannon.Result> {
  const bodies = Array.isArray(sc.body) ? sc.body : null;
  let nextClient = 0;
  const opts: autocannon.Options = {
    url: `http://${HOST}:${port}${sc.path}`,
    method: sc.method,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    verifyBody: (body) => sc.check(typeof body === 'string' ? body : String(body ?? '')),
    ...(sc.method === 'POST' ? { headers: FORM } : {}),
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
    // autocannon stops by itself after `duration`; this is a guard against a run that never ends.
    const guard = setTimeout(() => instance.stop(), (seconds + 30) * 1000);
    const instance = autocannon(opts, (err, result) => {
      clearTimeout(guard);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(result);
    });
  });
}

async function preflight(port: number, sc: Scenario): Promise<void> {
  const body = Array.isArray(sc.body) ? sc.body[0] : sc.body;
  const res = await fetch(`http://${HOST}:${port}${sc.path}`, {
    method: sc.method,
    ...(sc.method === 'POST' ? { headers: FORM, body: body ?? '' } : {}),
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
  if (WARMUP > 0) await cannon(port, sc, WARMUP);
  const meter = new CpuMeter(serverPid, pgDbName);
  meter.start();
  const r = await cannon(port, sc, DURATION);
  const cpu = meter.stop();
  const bad = r.errors + r.non2xx + r.mismatches;
  const row: Row = {
    scenario: sc.name,
    database,
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    bad,
    total: r.requests.total,
    cpu,
  };
  log(
    `           ${Math.round(row.reqPerSec)} req/s, p99 ${row.p99Ms} ms` +
      (bad
        ? `, ${bad} failed (errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, wrong answers ${r.mismatches})`
        : ''),
  );
  return row;
}

async function benchDatabase(kind: 'sqlite' | 'postgres', serverCpu: string | undefined): Promise<Row[]> {
  let url: string;
  let pgDbName: string | null = null;
  let remove: () => Promise<void> | void;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'smm-bench-'));
    url = `sqlite:${join(dir, 'panel.db')}`;
    remove = () => rmSync(dir, { recursive: true, force: true });
  } else {
    const pgDb = await createPgDatabase();
    url = pgDb.url;
    pgDbName = pgDb.name;
    remove = () => pgDb.drop();
  }
  cleanups.add(remove);
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    const seeded = await seed(url);
    log(`  ${kind.padEnd(8)} seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const server = await startServer({ BENCH_SERVER_MODE: 'panel', BENCH_DATABASE_URL: url }, serverCpu);
    try {
      for (const sc of panelScenarios(seeded).filter((x) => !ONLY || ONLY.test(x.name))) {
        rows.push(await measure(server.port, server.pid, pgDbName, sc, kind));
      }
    } finally {
      await server.stop();
    }
  } finally {
    cleanups.delete(remove);
    await remove();
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

  const scenarioCount = 2 * ceilingScenarios.length + 6 * dbs.length;
  const budgetS = scenarioCount * (DURATION + WARMUP + 20) + 300 * dbs.length;
  const watchdog = setTimeout(
    () => abort(`the bench did not finish within its ${budgetS} s budget`, 2),
    budgetS * 1000,
  );
  watchdog.unref();

  const serverCpu = pinning();
  const started = new Date();
  log(
    `smm-panel bench: ${CONNECTIONS} connections, ${DURATION} s per scenario (+${WARMUP} s warm-up), ` +
      `databases: ${dbs.join(', ')}${serverCpu ? `, server pinned to core ${serverCpu}` : ''}`,
  );
  log(`machine: ${machine()}`);

  const rows: Row[] = [];
  const ceilingRuns: { get: number[]; post: number[] } = { get: [], post: [] };
  const ceiling = await startServer({ BENCH_SERVER_MODE: 'ceiling' }, serverCpu);
  const measureCeilings = async (when: string) => {
    for (const sc of ceilingScenarios) {
      const row = await measure(ceiling.port, ceiling.pid, null, sc, '-');
      row.scenario = `${sc.name} (${when})`;
      (sc.method === 'GET' ? ceilingRuns.get : ceilingRuns.post).push(row.reqPerSec);
      rows.push(row);
    }
  };
  let failed = false;
  try {
    await measureCeilings('start');
    for (const kind of dbs) {
      try {
        rows.push(...(await benchDatabase(kind, serverCpu)));
      } catch (err) {
        failed = true;
        const msg = `${kind} failed: ${err instanceof Error ? err.message : String(err)}`;
        notices.push(msg);
        log(`!! ${msg}`);
      }
    }
    await measureCeilings('end');
  } finally {
    await ceiling.stop();
  }

  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const ceilings: Ceilings = { get: mean(ceilingRuns.get), post: mean(ceilingRuns.post) };
  const header = [
    `smm-panel bench, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `machine: ${machine()}`,
    `code: ${revision()}`,
    `autocannon: ${CONNECTIONS} connections, ${DURATION} s per scenario after ${WARMUP} s warm-up, ` +
      `127.0.0.1, server in a child process${serverCpu ? ` pinned to core ${serverCpu}` : ', not pinned'}`,
    'ratios: req/s divided by the mean of the two ceiling runs (start and end of the bench)',
    ...notices.map((n) => `NOTE: ${n}`),
  ];
  const out: string[] = [];
  if (!MARKDOWN_ONLY) out.push(...header, '', textReport(rows, ceilings), '', '--- markdown ---', '');
  out.push(...(MARKDOWN_ONLY ? header.map((h) => `${h}  `) : []), markdownReport(rows, ceilings));
  process.stdout.write(`${out.join('\n')}\n`);
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
      log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await cleanupAll();
      process.exitCode = 1;
    },
  )
  .finally(() => {
    // Nothing should be left; if a handle lingers, do not hang.
    setTimeout(() => process.exit(), 2000).unref();
  });
