/**
 * The fulfilment engine in a thread of its own, as `npm start` runs it (src/worker/engine-thread.ts):
 * it works while the HTTP server's event loop is busy, writes through the panel's logger, its upstream
 * counters reach the panel's metrics, it stops cleanly with the panel, and a thread that ends by
 * itself is reported and started again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { startPanel } from '../src/app.js';
import { engineTimings, loadConfig } from '../src/config.js';
import type { Database } from '../src/db/schema.js';
import { startMetricsServer } from '../src/http/metrics-server.js';
import { ENGINE_NICE_BY, startEngineThread, stopLimitMs } from '../src/worker/engine-thread.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb, freshDatabase } from './helpers/db.js';
import {
  closedPort,
  connectProvider,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { captureLogLines } from './helpers/log-capture.js';
import { sleep, waitUntil } from './helpers/processes.js';

/** Linux: the nice value of each thread of this process (/proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[16]);
  });
}

/**
 * Linux: whether an engine thread lives in this process (the only thread at nice ENGINE_NICE_BY; each
 * test file runs in a process of its own). Elsewhere: unknown (true, so no test waits on it).
 */
function engineThreadAlive(): boolean {
  if (process.platform !== 'linux') return true;
  return threadNiceValues().includes(ENGINE_NICE_BY);
}

/** A provider for `up` named `name`, a customer, and one order of theirs through the API: its id. */
async function placeOrderFor(
  db: Kysely<Database>,
  up: ScriptedUpstream,
  name: string,
  link: string,
): Promise<number> {
  const { created } = await connectProvider(db, up, { name });
  const user = await seedUser(db, '50');
  const api = await makeApi(db);
  const placed = await callApi(api, {
    key: user.apiKey,
    action: 'add',
    service: created[0] ?? 0,
    link,
    quantity: 100,
  });
  await api.close();
  const orderId = Number(placed.body.order);
  expect(orderId).toBeGreaterThan(0);
  return orderId;
}

/** Keep this thread (the HTTP server's, the test's) busy for `ms`, as a long statement would. */
function holdEventLoop(ms: number): { from: number; to: number } {
  const from = Date.now();
  while (Date.now() - from < ms) {
    // busy
  }
  return { from, to: Date.now() };
}

describeEachDb('the engine in its own thread (npm start)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smm-engine-thread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('claims an order while the server’s event loop is held, logs through the panel, counts into its metrics, and stops with it', async () => {
    const db = t().db.db;
    const up = await startScriptedUpstream({ services: [upstreamService(11)] });
    const providerName = uniqueName('thread');
    const orderId = await placeOrderFor(db, up, providerName, 'https://www.instagram.com/p/thread1/');

    const { stream, parsed } = captureLogLines();
    const printed: string[] = [];
    const panel = await startPanel(
      loadConfig({
        DATABASE_URL: t().url,
        PORT: '0',
        METRICS_PORT: '0',
        DATA_DIR: join(dir, t().dialect),
        LOG_LEVEL: 'info',
        WORKER_IDLE_MS: '20',
      }),
      (line) => printed.push(line),
      { logStream: stream, secretsOnScreen: false },
    );
    let stopped = false;
    try {
      // The engine's thread is still starting: it claims the order while this thread is held. On the
      // server's event loop the engine could claim it only before or after.
      const held = holdEventLoop(2500);
      await waitUntil('the order sent upstream', () => up.callsOf('add').length === 1, 10_000);
      const row = await db
        .selectFrom('orders')
        .select(['claimed_at'])
        .where('id', '=', orderId)
        .executeTakeFirstOrThrow();
      const claimedAt = Number(row.claimed_at);
      expect(claimedAt).toBeGreaterThanOrEqual(held.from);
      expect(claimedAt).toBeLessThanOrEqual(held.to);

      const metricsUrl = printed.join('\n').match(/http:\/\/127\.0\.0\.1:\d+\/metrics/)?.[0];
      expect(metricsUrl).toBeDefined();
      // Counted in the engine's thread (this thread made no upstream call), summed at the scrape.
      // (connectProvider names the provider providerName and a unique suffix)
      const sample = new RegExp(
        `\nsmm_upstream_calls_total\\{provider="${providerName}[^"]*",action="add",outcome="ok"\\} 1\n`,
      );
      await waitUntil(
        "the engine thread's upstream call in the panel's metrics",
        async () => (await (await fetch(metricsUrl ?? '')).text()).match(sample),
        5000,
      );

      if (process.platform === 'linux') {
        // The engine's thread runs nicer than the others (the requests first); this one does not.
        const own = threadNiceValues();
        expect(own.filter((n) => n === ENGINE_NICE_BY)).toHaveLength(1);
        expect(own.filter((n) => n === 0).length).toBeGreaterThan(1);
      }
      const started = parsed().find((l) => l.msg === 'worker started');
      expect(started).toMatchObject({ component: 'worker', level: 30 });
      const workerId = String(started?.worker);
      // The engine's heartbeat while it runs (gone after the stop below).
      const before = await db.selectFrom('worker_heartbeats').select('worker_id').execute();
      expect(before.map((b) => b.worker_id)).toContain(workerId);
      await panel.stop();
      stopped = true;
      const lines = parsed();
      expect(lines.some((l) => l.msg === 'worker stopped' && l.worker === workerId)).toBe(true);
      // Stopped as `smm-panel worker` stops: its heartbeat is gone.
      const beats = await db.selectFrom('worker_heartbeats').select('worker_id').execute();
      expect(beats.map((b) => b.worker_id)).not.toContain(workerId);
    } finally {
      if (!stopped) await panel.stop();
      await up.close();
    }
  });

  it('ends the engine’s thread, which had not begun, when the server cannot listen (the port is taken)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const { stream, parsed } = captureLogLines();
    try {
      await expect(
        startPanel(
          loadConfig({
            DATABASE_URL: t().url,
            PORT: String(port),
            HOST: '127.0.0.1',
            DATA_DIR: join(dir, `${t().dialect}-taken`),
            LOG_LEVEL: 'info',
          }),
          () => {},
          { logStream: stream, secretsOnScreen: false },
        ),
      ).rejects.toThrow(/EADDRINUSE/);
      // The engine's thread was created before the server listened, never began, and has ended.
      if (process.platform === 'linux') {
        await waitUntil('the engine thread ended', () => !engineThreadAlive(), 5000);
      }
      await sleep(300);
      expect(parsed().some((l) => l.msg === 'worker started')).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('ends a thread that does not stop within the limit, its claim kept on disk', async () => {
    const db = t().db.db;
    const up = await startScriptedUpstream({ services: [upstreamService(11)] });
    // The upstream takes the order's request and never answers: the engine's round waits for it.
    up.handlers.add = () => ({ hang: true });
    const orderId = await placeOrderFor(db, up, uniqueName('hung'), 'https://www.instagram.com/p/hung1/');

    // biome-ignore lint/suspicious/noExplicitAny: log fields are free-form
    const logs: { level: string; msg: string; fields?: Record<string, any> }[] = [];
    const timings = engineTimings(loadConfig({ WORKER_HTTP_TIMEOUT_MS: '20000', WORKER_IDLE_MS: '20' }));
    expect(stopLimitMs(timings)).toBe(50_000);
    const engine = startEngineThread({
      data: { databaseUrl: t().url, poolSize: 2, timings },
      log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
      stopLimitMs: 300,
    });
    engine.begin();
    try {
      await waitUntil('the order’s request upstream', () => up.callsOf('add').length === 1, 10_000);
      const from = Date.now();
      await engine.stop();
      // Without the limit the stop would wait for the upstream's answer or the 20 s HTTP timeout.
      expect(Date.now() - from).toBeLessThan(3000);
      expect(logs).toContainEqual({
        level: 'warn',
        msg: 'engine thread did not stop in time, ending it',
        fields: { waitedMs: 300 },
      });
      expect(logs.some((l) => l.msg === 'worker stopped')).toBe(false);
      expect(logs.some((l) => l.msg === 'engine thread ended, starting it again')).toBe(false);
      // Ended as a crashed worker ends: the claim stays, for the stale-send recovery.
      const row = await db
        .selectFrom('orders')
        .select(['dispatch_state'])
        .where('id', '=', orderId)
        .executeTakeFirstOrThrow();
      expect(row.dispatch_state).toBe('sending');
    } finally {
      await engine.stop();
      await up.close();
    }
  });
});

describe('a start that fails once the server listens (the metrics port is taken)', () => {
  it('closes what it opened: the server, the engine, the database; and creates no operator', async () => {
    const { db, url, cleanup } = await freshDatabase('sqlite');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const metricsPort = (taken.address() as AddressInfo).port;
    // A port free now, for the server: the start listens on it before it fails.
    const port = await closedPort();
    const dir = mkdtempSync(join(tmpdir(), 'smm-failed-start-'));
    const { stream, parsed } = captureLogLines();
    const printed: string[] = [];
    try {
      await expect(
        startPanel(
          loadConfig({
            DATABASE_URL: url,
            PORT: String(port),
            HOST: '127.0.0.1',
            METRICS_PORT: String(metricsPort),
            DATA_DIR: dir,
            LOG_LEVEL: 'info',
          }),
          (line) => printed.push(line),
          { logStream: stream, secretsOnScreen: false },
        ),
      ).rejects.toThrow(/EADDRINUSE/);
      // The server had listened and is closed again: nothing answers on its port.
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      // The engine had begun once the server listened, and was stopped with the rest.
      expect(parsed().some((l) => l.msg === 'worker stopped')).toBe(true);
      if (process.platform === 'linux') {
        await waitUntil('the engine thread ended', () => !engineThreadAlive(), 5000);
      }
      // No operator whose password nobody was shown: the next start creates it and says where it is.
      const users = await db.db.selectFrom('users').select('id').execute();
      expect(users).toHaveLength(0);
      expect(printed.join('\n')).not.toContain('First start');
      expect(readdirSync(dir)).not.toContain('first-start.txt');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      rmSync(dir, { recursive: true, force: true });
      await cleanup();
    }
  });
});

describe('an engine thread that ends by itself', () => {
  it('is reported and started again, later each time, until the panel stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smm-engine-thread-'));
    // A database the thread cannot open: its parent directory is a file.
    writeFileSync(join(dir, 'file'), 'not a directory');
    // biome-ignore lint/suspicious/noExplicitAny: log fields are free-form
    const logs: { level: string; msg: string; fields?: Record<string, any> }[] = [];
    const engine = startEngineThread({
      data: { databaseUrl: `sqlite:${join(dir, 'file', 'panel.db')}`, poolSize: 1 },
      log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
      restartMs: { first: 50, max: 100 },
    });
    engine.begin();
    try {
      await waitUntil('three restarts', () => logs.length >= 3, 15_000, 20);
      const ended = logs.slice(0, 3);
      for (const l of ended) {
        expect(l.level).toBe('error');
        expect(l.msg).toBe('engine thread ended, starting it again');
        expect(String(l.fields?.error)).toMatch(/EEXIST|ENOTDIR/);
      }
      expect(ended.map((l) => l.fields?.restartInMs)).toEqual([50, 100, 100]);
    } finally {
      await engine.stop();
      const after = logs.length;
      await sleep(400);
      expect(logs.length).toBe(after);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the metrics of an engine thread that does not answer', () => {
  it('fail the scrape with 503 instead of showing counters that seem to drop', async () => {
    const { db, cleanup } = await freshDatabase('sqlite');
    const metrics = await startMetricsServer({
      db: db.db,
      port: 0,
      host: '127.0.0.1',
      engine: { metrics: () => Promise.reject(new Error('the engine thread did not answer in 2000 ms')) },
    });
    try {
      const r = await fetch(metrics.url);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain('the engine thread did not answer');
    } finally {
      await metrics.close();
      await cleanup();
    }
  });
});
