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

/**
 * The `WORKER_*` environment variables: name -> field and default. One table, so that a typed config
 * read once at start (config.ts) can list, document and validate the same names; `workerSettings`
 * reads through it. Defaults that depend on another setting are functions of the settings read so far.
 */
export const WORKER_ENV = {
  WORKER_HTTP_TIMEOUT_MS: { field: 'httpTimeoutMs', fallback: () => 30_000 },
  // A send still in flight must never be declared stale: its answer may yet arrive.
  WORKER_STALE_SENDING_MS: {
    field: 'staleSendingMs',
    fallback: (s: { httpTimeoutMs: number }) => s.httpTimeoutMs * 2 + 10_000,
  },
  // Claim no more than are sent at once by default: a claim waiting for its turn could be declared
  // stale and end in review (safe, since a send re-checks its claim first, but work for the operator).
  WORKER_DISPATCH_BATCH: { field: 'dispatchBatch', fallback: () => 10, min: 1 },
  WORKER_DISPATCH_CONCURRENCY: { field: 'dispatchConcurrency', fallback: () => 10, min: 1 },
  WORKER_SYNC_BASE_MS: { field: 'syncBaseMs', fallback: () => 60_000 },
  WORKER_SYNC_MAX_MS: { field: 'syncMaxMs', fallback: () => 15 * 60_000 },
  WORKER_RETRY_BASE_MS: { field: 'retryBaseMs', fallback: () => 10_000 },
  WORKER_RETRY_MAX_MS: { field: 'retryMaxMs', fallback: () => 10 * 60_000 },
  WORKER_PROBE_MS: { field: 'probeMs', fallback: () => 5 * 60_000 },
  WORKER_IDLE_MS: { field: 'idleMs', fallback: () => 1000 },
} as const satisfies Record<
  string,
  { field: keyof WorkerSettings; fallback: (s: { httpTimeoutMs: number }) => number; min?: number }
>;
export type WorkerEnvName = keyof typeof WORKER_ENV;

/**
 * The engine's settings from the environment (`WORKER_*`, see WORKER_ENV), with `over` on top.
 * Throws `invalid setting NAME: ...` for a value that is not a whole number of milliseconds, and when
 * WORKER_STALE_SENDING_MS is not longer than WORKER_HTTP_TIMEOUT_MS. The per-provider send limit is
 * not here: it is a column of each provider (setProviderSendLimit), default 1.
 */
export function workerSettings(
  dialect: DialectName,
  env: NodeJS.ProcessEnv = process.env,
  over: Partial<WorkerSettings> = {},
): WorkerSettings {
  const num = (name: WorkerEnvName, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`invalid setting ${name}: must be a whole number of milliseconds`);
    return n;
  };
  const read = { httpTimeoutMs: 0 };
  const values: Record<string, number> = {};
  for (const [name, spec] of Object.entries(WORKER_ENV) as [
    WorkerEnvName,
    (typeof WORKER_ENV)[WorkerEnvName],
  ][]) {
    const v = num(name, spec.fallback(read));
    values[spec.field] = 'min' in spec ? Math.max(spec.min, v) : v;
    if (spec.field === 'httpTimeoutMs') read.httpTimeoutMs = v;
  }
  const timings = values as Omit<WorkerSettings, 'workerId' | 'dialect'>;
  if (timings.staleSendingMs <= timings.httpTimeoutMs) {
    throw new Error('invalid setting WORKER_STALE_SENDING_MS: must be longer than WORKER_HTTP_TIMEOUT_MS');
  }
  return {
    workerId: `w-${process.pid}-${randomBytes(4).toString('hex')}`,
    dialect,
    ...timings,
    ...over,
  };
}

/** Exponential backoff: base × 2^n, capped. */
export function backoff(base: number, n: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(n, 20));
}
