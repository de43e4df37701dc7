/**
 * A worker child of the engine scenarios (bench/engine.ts), run by bench/run.ts so that the engine
 * under test has a process of its own, apart from the simulated provider (a server child) and from the
 * bench. Two modes, chosen by BENCH_WORKER_MODE:
 * - `engine`: opens BENCH_DATABASE_URL (already migrated and seeded) and runs the fulfilment engine's
 *   own loop body, `workerRound` (cancels, drip-feed runs, dispatch, status sync, refills, held
 *   providers), round after round, as `smm-panel worker` does; only the idle pause is left out, since
 *   the run ends when a round finds nothing to do, or at the deadline. Settings are the production
 *   defaults (the environment's WORKER_* variables are ignored), except that BENCH_WORKER_SYNC_BASE_MS
 *   can push the first status check of sent orders out of the run and BENCH_WORKER_DISPATCH_LANES
 *   sets the lanes and the claim size (the dispatch scenario).
 * - `ceiling`: no database: the simulator's multi `status` for 100 ids at a time (BENCH_SIM_URL,
 *   BENCH_SIM_KEY, ids of its preloaded orders), one call after another through the panel's own
 *   upstream client (fetch, JSON.parse): what one worker's sync would reach if the database cost nothing.
 *
 * Every upstream call is recorded in this process (node:http's ClientRequest.end and the global fetch
 * are wrapped), so the result holds calls and order ids per action, placed in time. Protocol over IPC: the child sends
 * {ready}, waits for {run: {seconds, warmup}}, runs, and sends {result} at the deadline or as soon as a
 * round finds nothing to do. It exits when told to (SIGTERM/SIGINT) or when the bench goes away.
 */
import http from 'node:http';
import { openDatabase } from '../src/db/connect.js';
import { PRELOADED } from '../src/dev/simulator.js';
import { callUpstream } from '../src/providers/upstream/client.js';
import type { EngineContext } from '../src/worker/dispatch.js';
import { workerSettings } from '../src/worker/settings.js';
import { SYNC_BATCH } from '../src/worker/sync.js';
import { workerRound } from '../src/worker/worker.js';

export interface RunRequest {
  /** Deadline of the run, in seconds after it starts. */
  seconds: number;
  /** Seconds at the start left out of the measured window (when the run lasts longer than that). */
  warmup: number;
}

export interface WorkerResult {
  /** Epoch milliseconds (Date.now(): comparable between processes). */
  startedAt: number;
  windowStart: number;
  windowEnd: number;
  /** Upstream calls answered inside the window, and the order ids they carried (status ids; add: 1). */
  windowCalls: number;
  windowOrders: number;
  /** Over the whole run. */
  calls: Record<string, { calls: number; ids: number }>;
  work: number;
  rounds: number;
  /** End of the last round that found work (epoch ms). */
  lastWorkAt: number;
  /** True when the run ended because a round found nothing to do (rather than at the deadline). */
  drained: boolean;
  warnings: number;
  errors: number;
  /** The first few warnings and errors the engine logged. */
  problems: string[];
}

interface Call {
  at: number;
  action: string;
  ids: number;
}

const calls: Call[] = [];

function record(body: string): void {
  const action = /(?:^|&)action=([^&]*)/.exec(body)?.[1] ?? '?';
  const orders = /(?:^|&)orders=([^&]*)/.exec(body)?.[1];
  calls.push({ at: Date.now(), action, ids: orders ? orders.split('%2C').length : 1 });
}

// The upstream client sends with node:http(s) (or, in earlier versions, fetch): both are observed,
// each call once, when its answer arrives. Instrumentation of this child process only.
const realEnd = http.ClientRequest.prototype.end;
http.ClientRequest.prototype.end = function end(this: http.ClientRequest, ...args: unknown[]) {
  const chunk = args[0];
  const body = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
  this.once('response', () => record(body));
  return (realEnd as (...a: unknown[]) => http.ClientRequest).apply(this, args);
} as typeof realEnd;
const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  const res = await realFetch(input, init);
  record(typeof init?.body === 'string' ? init.body : '');
  return res;
}) as typeof fetch;

let warnings = 0;
let errors = 0;
const problems: string[] = [];
const log: EngineContext['log'] = (level, msg, data) => {
  if (level === 'info') return;
  if (level === 'warn') warnings++;
  else errors++;
  if (problems.length < 5) problems.push(`${level}: ${msg} ${JSON.stringify(data ?? {})}`);
};

let stopRequested = false;

function summary(
  req: RunRequest,
  startedAt: number,
  end: number,
  work: number,
  rounds: number,
  lastWorkAt: number,
  drained: boolean,
): WorkerResult {
  // The window leaves out the warm-up, unless the run was too short for that to leave anything.
  const warmEnd = startedAt + req.warmup * 1000;
  const windowStart = end - warmEnd >= 1000 ? warmEnd : startedAt;
  let windowCalls = 0;
  let windowOrders = 0;
  const byAction: WorkerResult['calls'] = {};
  for (const c of calls) {
    const a = byAction[c.action] ?? { calls: 0, ids: 0 };
    byAction[c.action] = a;
    a.calls++;
    a.ids += c.ids;
    if (c.at > windowStart && c.at <= end) {
      windowCalls++;
      windowOrders += c.ids;
    }
  }
  return {
    startedAt,
    windowStart,
    windowEnd: end,
    windowCalls,
    windowOrders,
    calls: byAction,
    work,
    rounds,
    lastWorkAt,
    drained,
    warnings,
    errors,
    problems,
  };
}

/** Run `step` until the deadline or until it finds nothing to do; report once, at whichever comes first. */
async function loop(req: RunRequest, step: () => Promise<number>): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + req.seconds * 1000;
  let work = 0;
  let rounds = 0;
  let lastWorkAt = startedAt;
  let reported = false;
  const report = (end: number, drained: boolean) => {
    if (reported) return;
    reported = true;
    process.send?.({ result: summary(req, startedAt, end, work, rounds, lastWorkAt, drained) });
  };
  // The deadline is kept even when a round is long (a sync round is up to 20 batches).
  const timer = setTimeout(() => {
    stopRequested = true;
    report(deadline, false);
  }, req.seconds * 1000);
  while (!stopRequested) {
    const n = await step();
    rounds++;
    if (n === 0) {
      clearTimeout(timer);
      report(lastWorkAt, true);
      break;
    }
    work += n;
    lastWorkAt = Date.now();
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/worker.js must be started by bench/run.js (IPC channel)');
  const mode = process.env.BENCH_WORKER_MODE;
  let close: () => Promise<void> = async () => {};
  let step: () => Promise<number>;
  if (mode === 'engine') {
    const url = process.env.BENCH_DATABASE_URL;
    if (!url) throw new Error('BENCH_DATABASE_URL is not set');
    const db = await openDatabase(url, {
      migrate: false,
      poolSize: Number(process.env.BENCH_PG_POOL ?? '10'),
    });
    close = () => db.close();
    const syncBase = process.env.BENCH_WORKER_SYNC_BASE_MS;
    const lanes = process.env.BENCH_WORKER_DISPATCH_LANES;
    const settings = workerSettings(db.dialect, undefined, {
      ...(syncBase ? { syncBaseMs: Number(syncBase) } : {}),
      // The dispatch scenario's lanes, and claims as large as them (bench/engine.ts dispatchLanes).
      ...(lanes ? { dispatchConcurrency: Number(lanes), dispatchBatch: Number(lanes) } : {}),
    });
    const ctx: EngineContext = { db: db.db, settings, log };
    // As `smm-panel worker` does (worker.ts startWorker): a round that fails is logged (an engine
    // error in the table) and the next round runs; it does not end the run.
    step = async () => {
      try {
        return await workerRound(ctx);
      } catch (err) {
        log('error', 'worker round failed', { error: err instanceof Error ? err.message : String(err) });
        return 1;
      }
    };
  } else if (mode === 'ceiling') {
    const endpoint = { url: process.env.BENCH_SIM_URL ?? '', apiKey: process.env.BENCH_SIM_KEY ?? '' };
    const population = Math.max(SYNC_BATCH, Number(process.env.BENCH_SIM_PRELOAD ?? '0'));
    let next = 0;
    step = async () => {
      const ids: number[] = [];
      for (let i = 0; i < SYNC_BATCH; i++) ids.push(PRELOADED.firstId + ((next + i) % population));
      next = (next + SYNC_BATCH) % population;
      const out = await callUpstream(endpoint, { action: 'status', orders: ids.join(',') }, 30_000);
      const body = out.kind === 'ok' ? (out.body as Record<string, { status?: unknown }>) : null;
      if (!body || body[String(ids[0])]?.status !== 'In progress') {
        log('error', 'ceiling: unexpected answer', { out: JSON.stringify(out).slice(0, 200) });
        return 0;
      }
      return ids.length;
    };
  } else {
    throw new Error(`BENCH_WORKER_MODE must be engine or ceiling (got ${String(mode)})`);
  }

  let running: Promise<void> = Promise.resolve();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stopRequested = true;
    // Let the round under way finish (closing the database under it would only make noise), but never
    // hang: leave within 3 s whatever happens.
    setTimeout(() => process.exit(0), 3000).unref();
    running
      .then(() => close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: unknown) => {
    const req = (m as { run?: RunRequest } | null)?.run;
    if (!req) return;
    running = loop(req, step).catch((err: unknown) => {
      if (stopping) return;
      console.error(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    });
  });
  process.send({ ready: true });
}

main().catch((err: unknown) => {
  console.error(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
