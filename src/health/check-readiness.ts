/**
 * Use case: is this panel ready to serve? The database answers, its schema is the one this code
 * expects (no pending migration), and, when a worker is expected, one has shown a sign of life recently
 * (heartbeat.ts). Read by GET /ready; each check says what it found, so an operator sees why.
 */
import type { Executor } from '../db/executor.js';
import { pendingMigrations } from '../db/migrations.js';
import { latestHeartbeatAt, pingDatabase } from './health.repo.js';
import { HEARTBEAT_MS } from './heartbeat.js';

/** A worker silent for longer than this counts as stopped. */
export const WORKER_SILENT_MS = HEARTBEAT_MS * 6;

export interface Readiness {
  ready: boolean;
  checks: {
    database: 'ok' | string;
    migrations: 'ok' | string;
    worker: 'ok' | 'not expected' | string;
  };
}

export async function checkReadiness(opts: {
  db: Executor;
  /** Whether a worker must be running (the panel's own, or separate `smm-panel worker` processes). */
  expectWorker: boolean;
  now?: number;
}): Promise<Readiness> {
  const now = opts.now ?? Date.now();
  const checks: Readiness['checks'] = { database: 'ok', migrations: 'ok', worker: 'not expected' };
  try {
    await pingDatabase(opts.db);
  } catch (err) {
    checks.database = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
    checks.migrations = 'unknown';
    if (opts.expectWorker) checks.worker = 'unknown';
    return { ready: false, checks };
  }
  const pending = await pendingMigrations(opts.db);
  if (pending.length > 0) checks.migrations = `pending: ${pending.join(', ')}`;
  if (opts.expectWorker) {
    const seen = await latestHeartbeatAt(opts.db);
    if (seen === null) checks.worker = 'no worker has started';
    else if (now - seen > WORKER_SILENT_MS)
      checks.worker = `no worker seen for ${Math.round((now - seen) / 1000)} s`;
    else checks.worker = 'ok';
  }
  const ready = checks.migrations === 'ok' && (checks.worker === 'ok' || checks.worker === 'not expected');
  return { ready, checks };
}
