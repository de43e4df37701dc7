/**
 * SQLite's checkpoints off the event loop. In WAL mode every commit appends the pages it changed to the
 * WAL file, and by default the commit that takes the WAL past 1,000 pages copies them all back into
 * the database file and syncs it, inside that commit: with better-sqlite3 on the event loop, which then
 * answers nothing for that long (about 20 ms on this project's machines at 10M orders, once a second
 * when the engine checks 600 orders a second; docs/benchmarks.md "What held the event loop at 10M
 * orders").
 *
 * A long-running process (the panel, the worker) has a thread of its own with a second connection that
 * checkpoints every CHECKPOINT_EVERY_MS (PASSIVE: it never waits for, or blocks, the main connection's
 * readers and writers). The main connection still checkpoints by itself past INLINE_CHECKPOINT_PAGES,
 * a bound on the WAL should the thread fall behind. Should the thread end by itself, `onEnded` runs
 * (connect.ts puts the connection back on SQLite's own threshold). Durability is unchanged: a commit
 * is synced to the WAL before it returns (synchronous = FULL), and a checkpoint only moves synced pages.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_EVERY_MS = 200;
/** WAL pages past which the main connection checkpoints inline (SQLite's own default is 1,000). */
export const INLINE_CHECKPOINT_PAGES = 4000;
const STOP_TIMEOUT_MS = 5000;

// The thread's code, CommonJS as an eval'd worker runs it; the driver's path comes from the parent, so
// it resolves wherever the panel is installed. Opening is part of a checkpoint: a failure of either is
// reported once, tried again at the next one, and reported again only after one worked.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db = null;
let failing = false;
const checkpoint = () => {
  try {
    if (!db) {
      const opened = new Database(workerData.file, { fileMustExist: true, timeout: 100 });
      opened.pragma('synchronous = FULL');
      db = opened;
    }
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (err) {
    if (!failing) parentPort.postMessage({ error: String((err && err.message) || err) });
    failing = true;
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  if (db) db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoint once more, close the thread's connection and end the thread. */
  stop(): Promise<void>;
}

export function checkpointInBackground(
  file: string,
  o: {
    onError: (message: string) => void;
    /** The thread ended without stop(). */
    onEnded?: () => void;
    everyMs?: number;
  },
): Checkpointer {
  const { onError, onEnded = () => {}, everyMs = CHECKPOINT_EVERY_MS } = o;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const thread = new Worker(THREAD, { eval: true, workerData: { driver, file: resolve(file), everyMs } });
  // Never what keeps a process alive: the process's own close stops it.
  thread.unref();
  thread.on('message', (m: { error?: string }) => {
    if (m.error) onError(`background checkpoint failed: ${m.error}`);
  });
  thread.on('error', (err) => onError(`background checkpoint thread failed: ${err.message}`));
  let stopping = false;
  const exited = new Promise<void>((done) =>
    thread.once('exit', (code) => {
      if (!stopping) {
        onError(
          `background checkpoint thread ended (exit code ${code}); the connection checkpoints by itself again`,
        );
        onEnded();
      }
      done();
    }),
  );
  return {
    async stop() {
      stopping = true;
      thread.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((done) => {
        timer = setTimeout(() => done('late'), STOP_TIMEOUT_MS);
      });
      if ((await Promise.race([exited, late])) === 'late') await thread.terminate();
      clearTimeout(timer);
    },
  };
}
