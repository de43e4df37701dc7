/**
 * The fulfilment engine inside its thread (engine-thread.ts starts it): its own database connection,
 * the engine's loop, and four messages with the panel's thread: `begin` starts the engine (the thread
 * loads its code before), its log lines go out (the panel writes them through its one logger),
 * `metrics` asks for the engine's counters, `stop` ends the loop as `smm-panel worker` ends it on
 * SIGTERM, then closes the connection and lets the thread end.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type Db, openDatabase } from '../db/connect.js';
import { engineRegistry } from '../metrics/registry.js';
import { SecretBox } from '../payments/secret-box.js';
import type { EngineThreadData, FromEngine, ToEngine } from './engine-thread.js';
import { workerSettings } from './settings.js';
import { type RunningWorker, startWorker } from './worker.js';

const port = parentPort;
if (!port) throw new Error('engine-thread-main runs only as a worker thread (engine-thread.ts)');
const data = workerData as EngineThreadData;
// The requests first: on Linux a thread has a nice value of its own (getpriority and setpriority of
// "this process" read and set the calling thread's), so where the server's thread and this one compete
// for a core the scheduler gives the server about nine tenths (nice +10); a core nobody else wants the
// engine still uses in full.
if (data.niceBy) {
  try {
    setPriority(Math.min(19, getPriority() + data.niceBy));
  } catch {
    // Not allowed or not supported here: the engine runs at the server's priority.
  }
}

const send = (m: FromEngine) => {
  try {
    port.postMessage(m);
  } catch {
    // A log line whose fields cannot be copied to the panel's thread goes without them: logging
    // never fails an engine step.
    if (m.kind === 'log') port.postMessage({ kind: 'log', level: m.level, msg: m.msg });
  }
};

/** The engine once `begin` came: its connection and its loop. */
async function begin(): Promise<{ db: Db; worker: RunningWorker }> {
  // The panel migrated the database before starting this thread; the panel's own connection runs the
  // SQLite checkpoints (a connection of this thread checkpoints inline past SQLite's own threshold).
  const db = await openDatabase(data.databaseUrl, { migrate: false, poolSize: data.poolSize });
  const secretBox = data.secrets ? SecretBox.forPanel(data.secrets) : undefined;
  const worker = startWorker({
    db: db.db,
    settings: workerSettings(db.dialect, data.timings),
    log: (level, msg, fields) => send({ kind: 'log', level, msg, ...(fields ? { fields } : {}) }),
    secretBox,
  });
  return { db, worker };
}

// The thread loads its code as soon as it is created; the engine begins when the panel says so (once
// its server listens). A `stop` before that ends the thread without its having done anything.
let engine: Promise<{ db: Db; worker: RunningWorker }> | null = null;
let stopping = false;
port.on('message', (m: ToEngine) => {
  if (m.kind === 'begin' && !engine && !stopping) {
    engine = begin();
  } else if (m.kind === 'metrics') {
    engineRegistry.getMetricsAsJSON().then(
      (metrics) => send({ kind: 'metrics', id: m.id, metrics }),
      () => send({ kind: 'metrics', id: m.id, metrics: null }),
    );
  } else if (m.kind === 'stop' && !stopping) {
    stopping = true;
    (engine ?? Promise.resolve(null))
      .then(async (e) => {
        if (!e) return;
        try {
          await e.worker.stop();
        } finally {
          await e.db.close();
        }
      })
      .catch((err: unknown) =>
        send({
          kind: 'log',
          level: 'error',
          msg: 'engine thread failed while stopping',
          fields: { error: err instanceof Error ? err.message : String(err) },
        }),
      )
      // The port closed, nothing keeps the thread alive: it ends by itself.
      .finally(() => port.close());
  }
});
