/**
 * Starting the panel: open the database (migrating it), create the first admin if there is none,
 * and serve HTTP. Used by `npm start` and `smm-panel serve`.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { bootstrapAdmin } from './accounts/bootstrap.js';
import { type Config, engineTimings } from './config.js';
import { type Db, openDatabase, parseDatabaseUrl } from './db/connect.js';
import { type MetricsServer, startMetricsServer } from './http/metrics-server.js';
import { buildServer } from './http/server.js';
import { createLogger, type Logger } from './log.js';
import { SecretBox } from './payments/secret-box.js';
import { connectRedis } from './redis.js';
import { writeSecretFile } from './secret-file.js';
import { type EngineThread, engineThreadEntry, startEngineThread } from './worker/engine-thread.js';
import { engineLogger } from './worker/logger.js';
import { workerSettings } from './worker/settings.js';
import { type RunningWorker, startWorker } from './worker/worker.js';

export interface RunningPanel {
  app: FastifyInstance;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

export async function startPanel(
  config: Config,
  print: (line: string) => void = console.log,
  options: {
    worker?: boolean;
    /**
     * Whether the first start may show the operator's password and key on `print` (default: when
     * stdout is a terminal). Otherwise they go to a file only this user can read: stdout is then
     * usually a log, and a log is no place for secrets.
     */
    secretsOnScreen?: boolean;
    /** Where log lines go (default: stdout); tests capture them here. */
    logStream?: NodeJS.WritableStream;
  } = {},
): Promise<RunningPanel> {
  // One logger for the process: the HTTP server and the worker write the same format to one place.
  const logger = createLogger({ level: config.LOG_LEVEL, stream: options.logStream });
  const engineInThread =
    options.worker !== false && parseDatabaseUrl(config.DATABASE_URL).target !== ':memory:';
  // Before anything is opened or listens: the engine's thread runs built code (engine-thread.ts).
  if (engineInThread) engineThreadEntry();
  const db = await openPanelDatabase(config, logger);
  const secretBox = SecretBox.forPanel({ secretsKey: config.SECRETS_KEY, dataDir: config.DATA_DIR });
  // The engine's thread is created as soon as the schema is current, so it loads its code while this
  // thread builds the server (on a second core, at the same time); it begins once the server listens,
  // and /ready, which waits for its first heartbeat, comes sooner.
  const engineThread = engineInThread
    ? startEngineThread({
        data: {
          databaseUrl: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          timings: engineTimings(config),
          secrets: { secretsKey: config.SECRETS_KEY, dataDir: config.DATA_DIR },
        },
        log: engineLogger(logger),
      })
    : undefined;
  try {
    return await serveWith({ config, options, print, logger, db, secretBox, engineThread });
  } catch (err) {
    // A start that failed (a port in use, Redis unreachable) ends the engine's thread, which has not
    // begun, and closes the database; a failure while doing so is logged, the start's own error thrown.
    const logged = (what: string) => (e: unknown) => logger.error({ err: e }, `${what} after a failed start`);
    await engineThread?.stop().catch(logged('stopping the engine'));
    await db.close().catch(logged('closing the database'));
    throw err;
  }
}

async function serveWith(p: {
  config: Config;
  options: { worker?: boolean; secretsOnScreen?: boolean };
  print: (line: string) => void;
  logger: Logger;
  db: Db;
  secretBox: SecretBox;
  engineThread: EngineThread | undefined;
}): Promise<RunningPanel> {
  const { config, options, print, logger, db, secretBox, engineThread } = p;
  let redis: Redis | undefined;
  let app: FastifyInstance | undefined;
  let metrics: MetricsServer | null = null;
  let loopWorker: RunningWorker | null = null;
  try {
    redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL) : undefined;
    app = await buildServer({
      secretBox,
      db: db.db,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      redis,
      logger,
      webHttps: config.WEB_HTTPS,
      expectWorker: config.READY_EXPECT_WORKER ?? options.worker !== false,
      trustProxy: config.TRUST_PROXY,
    });
    await app.listen({ port: config.PORT, host: config.HOST });
    if (engineThread) engineThread.begin();
    else if (options.worker !== false) {
      // A database in memory is this connection's alone: the engine shares the event loop.
      loopWorker = startWorker({
        db: db.db,
        settings: workerSettings(db.dialect, engineTimings(config)),
        log: engineLogger(logger),
        secretBox,
      });
    }
    const worker = engineThread ?? loopWorker;
    metrics = await metricsFor(config, db, engineThread);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
    print(
      `smm-panel is running on ${db.dialect} at ${url}${worker ? ' (with the fulfilment worker)' : ' (API only, no worker)'}`,
    );
    print(`  Web panel: open ${url}/ in a browser (the operator signs in as admin)`);
    print(`  API v2 endpoint: ${url}/api/v2   (docs/api-v2.md)`);
    if (metrics) print(`  Metrics (Prometheus): ${metrics.url}`);
    // The first operator is created once everything listens, so a start that fails does not create an
    // account whose password nobody was shown.
    const admin = await bootstrapAdmin({ db: db.db });
    if (admin) {
      const lines = [
        `    username: ${admin.username}`,
        `    password: ${admin.password}`,
        `    API key:  ${admin.apiKey}`,
      ];
      if (options.secretsOnScreen ?? process.stdout.isTTY === true) {
        print('  First start: created the operator account (shown only now, keep it safe):');
        for (const l of lines) print(l);
        print(`  Try: curl -s ${url}/api/v2 -d key=${admin.apiKey} -d action=balance`);
      } else {
        const file = writeSecretFile(config.DATA_DIR, 'first-start.txt', [
          'smm-panel: the operator account created at first start. Delete this file once you have it.',
          ...lines.map((l) => l.trim()),
        ]);
        print(`  First start: created the operator account; its password and API key are in ${file}`);
        print('  (readable only by this user; delete it once you have them)');
      }
      print('  Add services and customers with the CLI: npx smm-panel --help');
    }
    const served = app;
    return {
      app: served,
      db,
      url,
      async stop() {
        await metrics?.close();
        await worker?.stop();
        await served.close();
        await redis?.quit();
        await db.close();
      },
    };
  } catch (err) {
    // What this start opened is closed again, so a failed start leaves nothing serving.
    await metrics?.close().catch(() => {});
    await loopWorker?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await redis?.quit().catch(() => {});
    throw err;
  }
}

/** `smm-panel worker`: the fulfilment engine alone, for scale-out next to API-only processes. */
export async function startWorkerProcess(
  config: Config,
  print: (line: string) => void = console.log,
  options: { logStream?: NodeJS.WritableStream } = {},
) {
  const logger = createLogger({ level: config.LOG_LEVEL, stream: options.logStream });
  const db = await openPanelDatabase(config, logger);
  const settings = workerSettings(db.dialect, engineTimings(config));
  const secretBox = SecretBox.forPanel({ secretsKey: config.SECRETS_KEY, dataDir: config.DATA_DIR });
  const worker = startWorker({ db: db.db, settings, log: engineLogger(logger), secretBox });
  print(`smm-panel worker ${settings.workerId} running on ${db.dialect}`);
  const metrics = await metricsFor(config, db);
  if (metrics) print(`  Metrics (Prometheus): ${metrics.url}`);
  return {
    async stop() {
      await metrics?.close();
      await worker.stop();
      await db.close();
    },
  };
}

/**
 * The database as a long-running process opens it: SQLite's checkpoints in a thread of their own, and
 * another connection's lock waited for without stopping the event loop.
 */
function openPanelDatabase(config: Config, logger: Logger): Promise<Db> {
  return openDatabase(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    backgroundCheckpoints: { onError: (message) => logger.warn(message) },
    // The engine's thread (or a worker process) writes through another connection: requests wait
    // for its lock on timers, never with the event loop stopped.
    asyncLockWait: true,
  });
}

/** The metrics listener when METRICS_PORT is set. */
async function metricsFor(config: Config, db: Db, engine?: EngineThread): Promise<MetricsServer | null> {
  if (config.METRICS_PORT === undefined) return null;
  return startMetricsServer({ db: db.db, port: config.METRICS_PORT, host: config.METRICS_HOST, engine });
}
