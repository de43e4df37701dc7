/**
 * /health and /ready through HTTP on both databases: ready needs the database, a current schema and,
 * when one is expected, a worker's recent heartbeat; each failing check is named in a 503.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';
import { WORKER_SILENT_MS } from '../src/health/check-readiness.js';
import { buildServer } from '../src/http/server.js';
import { startWorker } from '../src/worker/worker.js';
import { describeEachDb, freshDatabase } from './helpers/db.js';
import { makeEngine } from './helpers/engine.js';

async function ready(app: FastifyInstance) {
  const r = await app.inject({ url: '/ready' });
  return { status: r.statusCode, body: r.json() as { ready: boolean; checks: Record<string, string> } };
}

describeEachDb('health and readiness', (ctx) => {
  let plain: FastifyInstance;
  let withWorker: FastifyInstance;
  beforeAll(async () => {
    plain = await buildServer({ db: ctx().db.db, logLevel: 'silent' });
    withWorker = await buildServer({ db: ctx().db.db, logLevel: 'silent', expectWorker: true });
  });
  afterAll(async () => {
    await plain.close();
    await withWorker.close();
  });

  it('/health answers while the process runs', async () => {
    const r = await plain.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true });
  });

  it('is ready without a worker when none is expected', async () => {
    expect(await ready(plain)).toEqual({
      status: 200,
      body: { ready: true, checks: { database: 'ok', migrations: 'ok', worker: 'not expected' } },
    });
  });

  it('is not ready while no worker has started, ready while one runs, not ready after it stops', async () => {
    const before = await ready(withWorker);
    expect(before.status).toBe(503);
    expect(before.body.checks.worker).toBe('no worker has started');

    const engine = makeEngine(ctx().db.db, ctx().dialect, { idleMs: 50 });
    const worker = startWorker(engine.ctx);
    try {
      await expect.poll(async () => (await ready(withWorker)).status, { timeout: 5000 }).toBe(200);
      expect((await ready(withWorker)).body.checks.worker).toBe('ok');
    } finally {
      await worker.stop();
    }
    const after = await ready(withWorker);
    expect(after.status).toBe(503);
    expect(after.body.checks.worker).toBe('no worker has started');
  });

  it('names a worker that went silent', async () => {
    const seen = Date.now() - WORKER_SILENT_MS - 10_000;
    await ctx()
      .db.db.insertInto('worker_heartbeats')
      .values({ worker_id: 'w-dead', started_at: seen, seen_at: seen, pid: 1, host: 'h' })
      .execute();
    try {
      const r = await ready(withWorker);
      expect(r.status).toBe(503);
      expect(r.body.checks.worker).toMatch(/^no worker seen for \d+ s$/);
      // The API itself does not depend on the worker.
      expect((await ready(plain)).status).toBe(200);
    } finally {
      await ctx().db.db.deleteFrom('worker_heartbeats').execute();
    }
  });
});

describe('readiness on a database that is behind or gone', () => {
  it('names a pending migration', async () => {
    const t = await freshDatabase('sqlite');
    const app = await buildServer({ db: t.db.db, logLevel: 'silent' });
    try {
      await sql`delete from kysely_migration where name = '0015_worker_heartbeats'`.execute(t.db.db);
      const r = await ready(app);
      expect(r.status).toBe(503);
      expect(r.body.checks.migrations).toBe('pending: 0015_worker_heartbeats');
    } finally {
      await app.close();
      await t.cleanup();
    }
  });

  it('says the database is unreachable', async () => {
    const db = await openDatabase('postgres://postgres@127.0.0.1:1/none', { migrate: false });
    const app = await buildServer({ db: db.db, logLevel: 'silent' });
    try {
      const r = await ready(app);
      expect(r.status).toBe(503);
      expect(r.body.ready).toBe(false);
      expect(r.body.checks.database).toMatch(/^unreachable: /);
    } finally {
      await app.close();
      await db.close();
    }
  });
});
