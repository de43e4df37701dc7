/**
 * The engine logs through the panel's one logger: the process's pino logger, as a child with
 * `component: "worker"`, so the HTTP server's lines and the engine's are one format in one place.
 * Its events carry the order and provider ids; never a key or a link.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startPanel } from '../src/app.js';
import { SYSTEM } from '../src/audit/actor.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { engineLogger } from '../src/worker/logger.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { makeEngine, startScriptedUpstream, upstreamService } from './helpers/engine.js';
import { captureLogLines } from './helpers/log-capture.js';

describeEachDb('one logger for the panel and its engine', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smm-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const db = () => t().db.db;

  it('startPanel writes the HTTP server and the worker through one logger: JSON lines, the worker as component "worker"', async () => {
    const { stream, parsed } = captureLogLines();
    const config = loadConfig({
      DATABASE_URL: t().url,
      PORT: '0',
      DATA_DIR: join(dir, t().dialect),
      LOG_LEVEL: 'info',
      WORKER_IDLE_MS: '20',
    });
    const panel = await startPanel(config, () => {}, { logStream: stream, secretsOnScreen: false });
    try {
      const res = await fetch(`${panel.url}/api/v2`, {
        method: 'POST',
        body: new URLSearchParams({ key: 'nope', action: 'balance' }),
      });
      expect(await res.json()).toEqual({ error: 'Invalid API key' });
      for (let i = 0; i < 100 && !parsed().some((l) => l.msg === 'worker started'); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await panel.stop();
    }
    const lines = parsed();
    const started = lines.find((l) => l.msg === 'worker started');
    expect(started).toMatchObject({ component: 'worker', level: 30 });
    expect(started?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines.find((l) => l.msg === 'worker stopped')).toMatchObject({ component: 'worker' });
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ level: 30 });
    expect(lines.find((l) => l.msg === 'request')?.component).toBeUndefined();
  });

  it("the engine's events (order sent, settled) are info lines with the order, provider and upstream ids, and no key or link", async () => {
    const u = await startScriptedUpstream({ services: [upstreamService(1, { rate: '1' })] });
    try {
      const p = await addProvider({
        db: db(),
        actor: SYSTEM,
        name: uniqueName('logs'),
        url: u.url,
        apiKey: u.key,
      });
      if (!p.ok) throw new Error(JSON.stringify(p.failure));
      const r = await importServices({ db: db(), actor: SYSTEM, providerId: p.value.id, markupPercent: '0' });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      const svc = await db()
        .selectFrom('services')
        .select('id')
        .where('provider_id', '=', p.value.id)
        .executeTakeFirstOrThrow();
      const app = await makeApi(db());
      const user = await seedUser(db(), '10');
      const link = `https://instagram.com/p/logged-${process.pid}`;
      const placed = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service: svc.id,
        link,
        quantity: 100,
      });
      await app.close();
      const id = placed.body.order as number;

      const { lines, stream, parsed } = captureLogLines();
      const e = makeEngine(db(), t().dialect);
      e.ctx.log = engineLogger(createLogger({ level: 'info', stream }));
      await e.until(async () => parsed().some((l) => l.msg === 'order sent'), 3, 'sent');
      const up = u.orderByLink(link);
      if (!up) throw new Error('not sent');
      u.setStatus(up.id, { status: 'Completed', remains: '0', start_count: '5', charge: '0.1' });
      await e.until(async () => parsed().some((l) => l.msg === 'order settled'), 3, 'settled');

      expect(parsed().find((l) => l.msg === 'order sent')).toMatchObject({
        level: 30,
        component: 'worker',
        order: id,
        provider: p.value.id,
        upstream: up.id,
      });
      expect(parsed().find((l) => l.msg === 'order settled')).toMatchObject({
        level: 30,
        component: 'worker',
        order: id,
        provider: p.value.id,
        status: 'completed',
      });
      const all = lines.join('\n');
      expect(all).not.toContain(u.key);
      expect(all).not.toContain(user.apiKey);
      expect(all).not.toContain(link);
    } finally {
      await u.close();
    }
  });
});
