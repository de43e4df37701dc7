/** Timing of the fulfilment engine. Defaults suit production; tests and demos shorten them. */
import { randomBytes } from 'node:crypto';
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

export function workerSettings(
  dialect: DialectName,
  env: NodeJS.ProcessEnv = process.env,
  over: Partial<WorkerSettings> = {},
): WorkerSettings {
  const num = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`invalid setting ${name}: must be a whole number of milliseconds`);
    return n;
  };
  const httpTimeoutMs = num('WORKER_HTTP_TIMEOUT_MS', 30_000);
  const staleSendingMs = num('WORKER_STALE_SENDING_MS', httpTimeoutMs * 2 + 10_000);
  // A send still in flight must never be declared stale: its answer may yet arrive.
  if (staleSendingMs <= httpTimeoutMs) {
    throw new Error('invalid setting WORKER_STALE_SENDING_MS: must be longer than WORKER_HTTP_TIMEOUT_MS');
  }
  return {
    workerId: `w-${process.pid}-${randomBytes(4).toString('hex')}`,
    dialect,
    httpTimeoutMs,
    staleSendingMs,
    // Claim no more than are sent at once by default: a claim waiting for its turn could be declared
    // stale and end in review (safe, since a send re-checks its claim first, but work for the operator).
    dispatchBatch: Math.max(1, num('WORKER_DISPATCH_BATCH', 10)),
    dispatchConcurrency: Math.max(1, num('WORKER_DISPATCH_CONCURRENCY', 10)),
    syncBaseMs: num('WORKER_SYNC_BASE_MS', 60_000),
    syncMaxMs: num('WORKER_SYNC_MAX_MS', 15 * 60_000),
    retryBaseMs: num('WORKER_RETRY_BASE_MS', 10_000),
    retryMaxMs: num('WORKER_RETRY_MAX_MS', 10 * 60_000),
    probeMs: num('WORKER_PROBE_MS', 5 * 60_000),
    idleMs: num('WORKER_IDLE_MS', 1000),
    ...over,
  };
}

/** Exponential backoff: base × 2^n, capped. */
export function backoff(base: number, n: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(n, 20));
}
