/**
 * `npm start` runs the fulfilment engine in a thread of its own (worker_threads) beside the HTTP
 * server, with its own database connection, instead of on the server's event loop. The engine's work
 * (a lease of 100 orders, a batch of status changes, parsing upstream answers) then never holds an API
 * request back: the operating system shares the core between the two threads, or gives each its own
 * core. To the database the thread is what a `smm-panel worker` process is, one more connection, so
 * the guarantees are those of a separate worker (claims by compare-and-set, BEGIN IMMEDIATE on SQLite).
 *
 * The thread writes its log through the panel's logger (its lines come here as messages) and its
 * metrics are added to the panel's at each scrape. A thread that ends without being asked to (an
 * error outside the engine's rounds, which the loop already survives) is logged and started again,
 * after 1 s, doubling up to a minute while it keeps failing.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineTimings } from '../config.js';
import type { MetricsJson } from '../metrics/registry.js';
import type { EngineContext } from './dispatch.js';

/** What the thread is started with (structured-cloned into it). */
export interface EngineThreadData {
  databaseUrl: string;
  poolSize: number;
  timings?: EngineTimings | undefined;
  /** How much nicer than the process the thread runs (Linux: per thread); default ENGINE_NICE_BY. */
  niceBy?: number | undefined;
  /** How the thread opens payment methods' secrets (SecretBox.forPanel); none: it cannot. */
  secrets?: { secretsKey?: string | undefined; dataDir: string } | undefined;
}

export type ToEngine = { kind: 'begin' } | { kind: 'stop' } | { kind: 'metrics'; id: number };

export type FromEngine =
  | {
      kind: 'log';
      level: 'info' | 'warn' | 'error';
      msg: string;
      fields?: Record<string, unknown>;
    }
  | { kind: 'metrics'; id: number; metrics: MetricsJson | null };

export interface EngineThread {
  /**
   * Let the engine work: the thread loads its code as soon as it is started, and begins its rounds
   * only now (the panel calls it once its server listens; a start that fails stops it before).
   */
  begin(): void;
  /**
   * Ask the engine to stop as `smm-panel worker` stops, and wait for the thread to end; a thread still
   * running after the stop limit is ended as a crashed worker would be (stopLimitMs).
   */
  stop(): Promise<void>;
  /** The engine's metrics (engineRegistry in its thread); rejects when it does not answer in time. */
  metrics(timeoutMs?: number): Promise<MetricsJson>;
}

/**
 * The engine's thread runs at a nice value this much above the server's: on one core shared with a
 * busy server it gets about a tenth (CFS weights 1024 and 110), as it got turns between requests when
 * it ran on the server's event loop; the requests come first.
 */
export const ENGINE_NICE_BY = 10;

const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 60_000;
/** A thread that ran this long before it failed starts again after the first delay. */
const HEALTHY_MS = 60_000;

/**
 * How long a stop waits for the engine's rounds under way to finish: as long as the engine itself
 * allows a send to take before it declares it stale (WORKER_STALE_SENDING_MS, longer than any round's
 * sends by the dispatch's own rule). A thread still running then is stuck, and is ended: to the orders
 * that is a worker that crashed (claims are on disk before a request leaves; the orders it had claimed
 * go to review with an alert once stale), and the panel can still close its server and database.
 */
export function stopLimitMs(timings?: Pick<EngineTimings, 'staleSendingMs'>): number {
  return timings?.staleSendingMs ?? 70_000;
}

/**
 * The thread's entry, built: dist/src/worker/engine-thread-main.js beside this file when it runs from
 * dist; the same file of the package's build when this file runs from its TypeScript source (the test
 * suite, which `npm test` runs after making sure the build is current).
 */
export function engineThreadEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? join(dirname(here), '..', '..', 'dist', 'src', 'worker', 'engine-thread-main.js')
    : join(dirname(here), 'engine-thread-main.js');
  if (!existsSync(file)) throw new Error(`the engine thread's code is not built (${file}): npm run build`);
  return file;
}

export function startEngineThread(opts: {
  data: EngineThreadData;
  /** The engine's log (engineLogger of the panel's logger). */
  log: EngineContext['log'];
  /** Restart delays, for tests (default 1 s doubling to 60 s). */
  restartMs?: { first: number; max: number };
  /** How long stop() waits before it ends the thread (default stopLimitMs of the timings). */
  stopLimitMs?: number;
}): EngineThread {
  const file = engineThreadEntry();
  const firstDelay = opts.restartMs?.first ?? FIRST_RESTART_MS;
  const maxDelay = opts.restartMs?.max ?? MAX_RESTART_MS;
  let thread: Worker;
  let startedAt = 0;
  let delay = firstDelay;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let ended: Promise<void> = Promise.resolve();
  let nextId = 1;
  let running = false;
  let begun = false;
  const waiting = new Map<number, { resolve: (m: MetricsJson) => void; reject: (e: Error) => void }>();

  const restartLater = (why: Record<string, unknown>) => {
    opts.log('error', 'engine thread ended, starting it again', { ...why, restartInMs: delay });
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      try {
        start();
      } catch (err) {
        restartLater({ error: err instanceof Error ? err.message : String(err) });
      }
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const start = () => {
    startedAt = Date.now();
    thread = new Worker(file, { workerData: { niceBy: ENGINE_NICE_BY, ...opts.data } });
    running = true;
    // A thread started again after a failure begins at once.
    if (begun) thread.postMessage({ kind: 'begin' } satisfies ToEngine);
    let failure: string | null = null;
    thread.on('message', (m: FromEngine) => {
      if (m.kind === 'log') opts.log(m.level, m.msg, m.fields);
      else if (m.kind === 'metrics') {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.metrics) w?.resolve(m.metrics);
        else w?.reject(new Error('the engine thread could not read its metrics'));
      }
    });
    thread.on('error', (err) => {
      failure = err instanceof Error ? err.message : String(err);
    });
    ended = new Promise<void>((resolve) => {
      thread.once('exit', (code) => {
        running = false;
        for (const w of waiting.values()) w.reject(new Error('the engine thread ended'));
        waiting.clear();
        resolve();
        if (stopping) {
          if (failure) opts.log('error', 'engine thread failed while stopping', { error: failure });
          return;
        }
        if (Date.now() - startedAt >= HEALTHY_MS) delay = firstDelay;
        restartLater({ exitCode: code, ...(failure ? { error: failure } : {}) });
      });
    });
  };
  start();

  const stopOnce = async () => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    if (!running) return;
    thread.postMessage({ kind: 'stop' } satisfies ToEngine);
    const limit = opts.stopLimitMs ?? stopLimitMs(opts.data.timings);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), limit);
    });
    if (await Promise.race([ended.then(() => false), late])) {
      opts.log('warn', 'engine thread did not stop in time, ending it', { waitedMs: limit });
      await thread.terminate();
      await ended;
    }
    clearTimeout(timer);
  };
  let stopped: Promise<void> | undefined;

  return {
    begin() {
      if (begun || stopping) return;
      begun = true;
      if (running) thread.postMessage({ kind: 'begin' } satisfies ToEngine);
    },
    stop() {
      stopped ??= stopOnce();
      return stopped;
    },
    metrics(timeoutMs = 2000) {
      if (!running) return Promise.reject(new Error('the engine thread is not running'));
      return new Promise<MetricsJson>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the engine thread did not answer in ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        thread.postMessage({ kind: 'metrics', id } satisfies ToEngine);
      });
    },
  };
}
