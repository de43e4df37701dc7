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
import { syncRound } from './sync.js';

/** One round of every step; returns how much work it found. */
export async function workerRound(ctx: EngineContext): Promise<number> {
  let work = 0;
  work += await cancelRound(ctx);
  work += await runsRound(ctx);
  work += await dispatchRound(ctx);
  work += await syncRound(ctx);
  work += await refillRound(ctx);
  work += await probeHeldProviders(ctx);
  work += await paymentsRound(ctx);
  return work;
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
      let work = 0;
      try {
        await heartbeat.beat(first);
        first = false;
        work = await workerRound(ctx);
      } catch (err) {
        ctx.log('error', 'worker round failed', { error: err instanceof Error ? err.message : String(err) });
      }
      if (work === 0 && !controller.signal.aborted) {
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
