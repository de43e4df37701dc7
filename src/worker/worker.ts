/**
 * The fulfilment engine's loop: dispatch, drip-feed runs, status sync, cancels, refills, held
 * providers; round after round until stopped. It runs inside `npm start` by default and alone as
 * `smm-panel worker`; any number of workers may share one database (every step claims its rows with a
 * compare-and-set, on Postgres with SKIP LOCKED).
 */

import { heartbeatOf } from '../health/heartbeat.js';
import { cancelRound } from './cancels.js';
import { dispatchRound, type EngineContext } from './dispatch.js';
import { runsRound } from './dripfeed.js';
import { probeHeldProviders } from './held.js';
import { paymentsRound } from './payments.js';
import { refillRound } from './refills.js';
import { syncRoundOf } from './sync.js';

/** One round of every step; returns how much work it found. */
export async function workerRound(ctx: EngineContext): Promise<number> {
  return (await pacedRound(ctx)).work;
}

/**
 * One round, and whether the next should follow at once: when any step but the sync found work, or the
 * sync found a backlog (full batches). Status checks that fall due a few at a time are left to gather
 * for a pause (WORKER_IDLE_MS) and then leased in full batches: with a million active orders, about
 * 600 fall due each second, and a worker that went round again at once leased 13 at a time, each
 * lease with its own status call to the provider, beside the API (docs/benchmarks.md, "Scale").
 */
async function pacedRound(ctx: EngineContext): Promise<{ work: number; again: boolean }> {
  let other = 0;
  other += await cancelRound(ctx);
  other += await runsRound(ctx);
  other += await dispatchRound(ctx);
  const sync = await syncRoundOf(ctx);
  other += await refillRound(ctx);
  other += await probeHeldProviders(ctx);
  other += await paymentsRound(ctx);
  return { work: other + sync.checked, again: other > 0 || sync.backlog };
}

export interface RunningWorker {
  stop(): Promise<void>;
  done: Promise<void>;
}

export function startWorker(ctx: EngineContext): RunningWorker {
  const controller = new AbortController();
  let wake: (() => void) | null = null;
  const heartbeat = heartbeatOf(ctx.db, ctx.settings.workerId);
  const done = (async () => {
    ctx.log('info', 'worker started', { worker: ctx.settings.workerId });
    let first = true;
    while (!controller.signal.aborted) {
      let again = false;
      try {
        await heartbeat.beat(first);
        first = false;
        again = (await pacedRound(ctx)).again;
      } catch (err) {
        ctx.log('error', 'worker round failed', { error: err instanceof Error ? err.message : String(err) });
      }
      if (!again && !controller.signal.aborted) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ctx.settings.idleMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = null;
      }
    }
    await heartbeat.end().catch(() => {});
    ctx.log('info', 'worker stopped', { worker: ctx.settings.workerId });
  })();
  return {
    done,
    async stop() {
      controller.abort();
      (wake as (() => void) | null)?.();
      await done;
    },
  };
}
