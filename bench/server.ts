/**
 * The server side of the benchmark, run as a child process of bench/run.ts so that the load generator
 * and the server never share an event loop. Two modes, chosen by BENCH_SERVER_MODE:
 * - `panel`: opens BENCH_DATABASE_URL (already migrated and seeded) and serves the real panel from
 *   buildServer, logging off and the rate limit out of the way; with BENCH_SERVER_WORKER=1 the engine
 *   runs in the same process too, as `npm start` runs it: in a thread of its own, or on the server's
 *   event loop with BENCH_WORKER_IN_LOOP=1 (the scale scenarios, bench/scale.ts);
 * - `ceiling`: a bare Fastify with one constant-JSON route, GET and POST (POST parses a form body with
 *   @fastify/formbody, as the panel does), to measure what HTTP alone costs on this machine;
 * - `simulator`: the simulated provider (src/providers/simulator.ts) that the engine scenarios use as
 *   upstream, with BENCH_SIM_PRELOAD preloaded active orders, key BENCH_SIM_KEY and a balance so large
 *   that `add` never runs out.
 * It listens on 127.0.0.1 on a free port, reports the port to its parent over IPC, and exits when told
 * to (SIGTERM/SIGINT) or when the parent goes away (IPC disconnect), so it never outlives the bench.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { openDatabase } from '../src/db/connect.js';
import { startSimulator } from '../src/dev/simulator.js';
import { buildServer } from '../src/http/server.js';
import { startEngineThread } from '../src/worker/engine-thread.js';
import { workerSettings } from '../src/worker/settings.js';
import { startWorker } from '../src/worker/worker.js';
import { CEILING_BODY } from './constants.js';

/** The server of the chosen mode; `listening` when it already listens (the simulator listens by itself). */
async function start(): Promise<{ app: FastifyInstance; close: () => Promise<void>; listening?: boolean }> {
  const mode = process.env.BENCH_SERVER_MODE;
  if (mode === 'ceiling') {
    const app = Fastify({ logger: false });
    await app.register(formbody);
    app.get('/ceiling', async () => CEILING_BODY);
    app.post('/ceiling', async () => CEILING_BODY);
    return { app, close: () => app.close() };
  }
  if (mode === 'panel') {
    const url = process.env.BENCH_DATABASE_URL;
    if (!url) throw new Error('BENCH_DATABASE_URL is not set');
    const poolSize = Number(process.env.BENCH_PG_POOL ?? '10');
    // As the panel opens it (src/app.ts): SQLite's checkpoints in a thread of their own, unless
    // BENCH_INLINE_CHECKPOINTS=1 asks for SQLite's own, inside commits (to measure the difference).
    const inline = process.env.BENCH_INLINE_CHECKPOINTS === '1';
    const db = await openDatabase(url, {
      migrate: false,
      poolSize,
      asyncLockWait: true,
      ...(inline
        ? {}
        : { backgroundCheckpoints: { onError: (m: string) => console.error(`bench server: ${m}`) } }),
    });
    const app = await buildServer({ db: db.db, logLevel: 'silent', rateLimitPerMinute: 1_000_000_000 });
    // The engine as `npm start` runs it: in a thread of its own (worker/engine-thread.ts); with
    // BENCH_WORKER_IN_LOOP=1 on the server's event loop, as it ran before, to measure the difference.
    const withWorker = process.env.BENCH_SERVER_WORKER === '1';
    const inLoop = process.env.BENCH_WORKER_IN_LOOP === '1';
    const thread =
      withWorker && !inLoop
        ? startEngineThread({
            data: {
              databaseUrl: url,
              poolSize,
              // BENCH_ENGINE_NICE_BY=0: the engine's thread at the server's priority.
              ...(process.env.BENCH_ENGINE_NICE_BY !== undefined
                ? { niceBy: Number(process.env.BENCH_ENGINE_NICE_BY) }
                : {}),
            },
            log: (level, msg, fields) => {
              if (level === 'error')
                console.error(`bench server engine: ${msg} ${JSON.stringify(fields ?? {})}`);
            },
          })
        : null;
    thread?.begin();
    const worker =
      thread ??
      (withWorker && inLoop
        ? startWorker({ db: db.db, settings: workerSettings(db.dialect), log: () => {} })
        : null);
    return {
      app,
      close: async () => {
        await worker?.stop();
        await app.close();
        await db.close();
      },
    };
  }
  if (mode === 'simulator') {
    const sim = await startSimulator({
      port: 0,
      host: '127.0.0.1',
      seed: 1,
      key: process.env.BENCH_SIM_KEY ?? 'sim-key',
      balance: '1000000000',
      preload: Number(process.env.BENCH_SIM_PRELOAD ?? '0'),
    });
    return { app: sim.app, close: () => sim.close(), listening: true };
  }
  throw new Error(`BENCH_SERVER_MODE must be panel, ceiling or simulator (got ${String(mode)})`);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/server.js must be started by bench/run.js (IPC channel)');
  const { app, close, listening } = await start();
  if (!listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Never hang on close: leave within 3 s whatever happens.
    setTimeout(() => process.exit(0), 3000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.send({ port });
  answerLoopDelay();
}

/**
 * The event loop's delay, for the parent: `{ loop: 'reset' }` starts a window, `{ loop: 'read' }` answers
 * `{ loop: { p50, p99, max } }` in ms for the window. A delay is how late a 1 ms timer fires: the longest
 * stretch the loop was busy with one thing (a statement, a commit, a big answer) while requests waited.
 * The timer starts with the first message: a child nobody asks (the ceiling, the API bench's panel)
 * runs without it.
 */
function answerLoopDelay(): void {
  let h: ReturnType<typeof monitorEventLoopDelay> | null = null;
  process.on('message', (m: unknown) => {
    const what = (m as { loop?: unknown } | null)?.loop;
    if (what !== 'reset' && what !== 'read') return;
    if (!h) {
      h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
    }
    if (what === 'reset') h.reset();
    if (what === 'read') {
      const msOf = (ns: number) => Math.round(ns / 1e4) / 100;
      process.send?.({
        loop: { p50: msOf(h.percentile(50)), p99: msOf(h.percentile(99)), max: msOf(h.max) },
      });
    }
  });
}

main().catch((err: unknown) => {
  console.error(`bench server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
