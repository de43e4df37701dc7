/**
 * A worker's sign of life: written when it starts and then at most every HEARTBEAT_MS while it runs,
 * removed when it stops. /ready (check-readiness.ts) reads the newest one.
 */
import { hostname } from 'node:os';
import type { Executor } from '../db/executor.js';
import { deleteHeartbeat, deleteHeartbeatsBefore, upsertHeartbeat } from './health.repo.js';

/** How often a running worker records that it lives. */
export const HEARTBEAT_MS = 5_000;
/** Heartbeats older than this belong to a process that died without saying so; they are dropped. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export interface Heartbeat {
  /** Record a sign of life if the last one is older than HEARTBEAT_MS (or `force`). */
  beat(force?: boolean): Promise<void>;
  /** The worker stopped: its row goes. */
  end(): Promise<void>;
}

export function heartbeatOf(db: Executor, workerId: string, now: () => number = Date.now): Heartbeat {
  const startedAt = now();
  let last = -Infinity;
  return {
    async beat(force = false) {
      const t = now();
      if (!force && t - last < HEARTBEAT_MS) return;
      last = t;
      await upsertHeartbeat(db, { workerId, startedAt, seenAt: t, pid: process.pid, host: hostname() });
      if (force) await deleteHeartbeatsBefore(db, t - FORGET_AFTER_MS);
    },
    async end() {
      await deleteHeartbeat(db, workerId);
    },
  };
}
