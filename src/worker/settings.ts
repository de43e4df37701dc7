/** Timing of the fulfilment engine. Defaults suit production; tests and demos shorten them. */
import { randomBytes } from 'node:crypto';
import { type EngineTimings, engineTimings, loadConfig } from '../config.js';
import type { DialectName } from '../db/executor.js';

export interface WorkerSettings {
  workerId: string;
  dialect: DialectName;
  /** How long one upstream call may take. */
  httpTimeoutMs: number;
  /** A claim older than this whose send never finished is a crashed send: its outcome is unknown. */
  staleSendingMs: number;
  dispatchBatch: number;
  dispatchConcurrency: number;
  /** Status calls (batches of up to 100 orders) under way at once per provider. */
  syncConcurrency: number;
  /** First status check after an order is sent, and the base of the backoff between unchanged checks. */
  syncBaseMs: number;
  /** The longest gap between two checks of an active order. */
  syncMaxMs: number;
  /** Retry delays for sends that surely never left (connection refused). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often a held provider is asked whether our account there works again. */
  probeMs: number;
  /** Pause between two rounds when there was nothing to do. */
  idleMs: number;
}

/**
 * The engine's settings: its timings as the typed configuration read them (config.ts, the `WORKER_*`
 * variables, validated once at start), with `over` on top (tests and benchmarks shorten them).
 */
export function workerSettings(
  dialect: DialectName,
  timings: EngineTimings = engineTimings(loadConfig({})),
  over: Partial<WorkerSettings> = {},
): WorkerSettings {
  return {
    workerId: `w-${process.pid}-${randomBytes(4).toString('hex')}`,
    dialect,
    ...timings,
    syncConcurrency: timings.syncConcurrency ?? defaultSyncConcurrency(dialect),
    ...over,
  };
}

/**
 * Status calls under way at once per provider unless WORKER_SYNC_CONCURRENCY says: 4 on Postgres, where
 * each call's writes go on their own connection; 1 on SQLite, where one connection serves the API and
 * the worker of the process in turn, so more calls at once only queue more writes in front of the
 * customers' requests (measured with `npm start` at a million orders: during a full sync `status`
 * answered 779 req/s with a p99 of 796 ms with 4, 2,092 req/s and 60 ms with 1, and the sync itself
 * checked 7,730 orders/s with 4, 13,337 with 1).
 */
function defaultSyncConcurrency(dialect: DialectName): number {
  return dialect === 'postgres' ? 4 : 1;
}

/** Exponential backoff: base × 2^n, capped. */
export function backoff(base: number, n: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(n, 20));
}
