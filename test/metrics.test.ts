/**
 * The Prometheus endpoint scraped over HTTP after known traffic, on both databases: API v2 requests
 * by action and outcome, the latency histogram, upstream calls by provider and outcome (a real upstream
 * on 127.0.0.1, driven by the engine), and the database's gauges (orders by status and dispatch state,
 * due sends, providers, alerts, cancels, payments pending by kind: a manual one and one at a fake
 * Cryptomus on 127.0.0.1). Counters are the process's own, so the test compares a scrape
 * before and after; gauges are read from this test's fresh database, so they are compared as they are.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPanel } from '../src/app.js';
import { SYSTEM } from '../src/audit/actor.js';
import { loadConfig } from '../src/config.js';
import { type MetricsServer, startMetricsServer } from '../src/http/metrics-server.js';
import { approvePayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod, type MethodInput } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { startFakeCryptomus } from './helpers/fake-cryptomus.js';

/** Every sample of a scrape: `name{labels}` -> value. */
async function scrape(m: MetricsServer): Promise<Map<string, number>> {
  const r = await fetch(m.url);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  const out = new Map<string, number>();
  for (const line of (await r.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const value = (s: Map<string, number>, key: string) => s.get(key) ?? 0;

describeEachDb('metrics endpoint', (t) => {
  let app: FastifyInstance;
  let metrics: MetricsServer;
  let upstream: ScriptedUpstream;
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
    metrics = await startMetricsServer({ db: db(), port: 0, host: '127.0.0.1' });
    upstream = await startScriptedUpstream({
      services: [upstreamService(1, { cancel: true, min: 10, max: 1000 })],
    });
  });
  afterAll(async () => {
    await metrics.close();
    await app.close();
    await upstream.close();
  });

  it('counts API v2 requests by action and outcome, with their latency', async () => {
    const user = await seedUser(db(), '10');
    const service = await seedService(db(), { rate: '1.00', min: 10, max: 1000 });
    const before = await scrape(metrics);

    for (let i = 0; i < 3; i++) await callApi(app, { key: user.apiKey, action: 'balance' });
    for (let i = 0; i < 2; i++) await callApi(app, { key: 'not-a-key', action: 'balance' });
    await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: 999_999,
      link: 'https://x.example/a',
      quantity: 10,
    });
    for (let i = 0; i < 2; i++) {
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: `https://x.example/${i}`,
        quantity: 10,
      });
      expect(typeof r.body.order).toBe('number');
    }

    const after = await scrape(metrics);
    const delta = (key: string) => value(after, key) - value(before, key);
    expect(delta('smm_api_requests_total{action="balance",outcome="ok"}')).toBe(3);
    expect(delta('smm_api_requests_total{action="none",outcome="invalid_key"}')).toBe(2);
    expect(delta('smm_api_requests_total{action="add",outcome="error"}')).toBe(1);
    expect(delta('smm_api_requests_total{action="add",outcome="ok"}')).toBe(2);
    expect(delta('smm_api_request_duration_seconds_count{action="balance"}')).toBe(3);
    expect(delta('smm_api_request_duration_seconds_count{action="add"}')).toBe(3);
    // Orders of a manual service (no provider) wait for the operator; none is due to be sent.
    expect(value(after, 'smm_orders{status="pending"}')).toBe(2);
    expect(value(after, 'smm_orders_by_dispatch_state{state="manual"}')).toBe(2);
    expect(value(after, 'smm_engine_due_sends')).toBe(0);
    expect(after.has('smm_process_resident_memory_bytes')).toBe(true);
  });

  it('counts upstream calls by provider, action and outcome, and shows the due sends and open cancels', async () => {
    const name = uniqueName('prov');
    const p = await addProvider({ db: db(), actor: SYSTEM, name, url: upstream.url, apiKey: upstream.key });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const imported = await importServices({
      db: db(),
      actor: SYSTEM,
      providerId: p.value.id,
      markupPercent: '0',
    });
    if (!imported.ok) throw new Error(JSON.stringify(imported.failure));
    const service = imported.value.created[0];
    const user = await seedUser(db(), '10');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service: service ?? 0,
        link: `https://x.example/up-${i}`,
        quantity: 100,
      });
      ids.push(r.body.order);
    }
    const cancel = await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(ids[0]) });
    expect(JSON.stringify(cancel.body)).not.toContain('error');

    const queued = await scrape(metrics);
    expect(value(queued, 'smm_engine_due_sends')).toBe(3);
    expect(value(queued, 'smm_engine_send_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(queued, 'smm_cancel_requests_open')).toBe(1);
    expect(value(queued, 'smm_providers{state="active"}')).toBe(1);
    expect(value(queued, 'smm_providers_held')).toBe(0);

    const engine = makeEngine(db(), t().dialect);
    await engine.until(
      async () => (await scrape(metrics)).get('smm_engine_due_sends') === 0,
      10,
      'every order sent or canceled',
    );
    const after = await scrape(metrics);
    const delta = (key: string) => value(after, key) - value(queued, key);
    const adds = upstream.callsOf('add').length;
    expect(adds).toBe(2);
    expect(delta(`smm_upstream_calls_total{provider="${name}",action="add",outcome="ok"}`)).toBe(2);
    expect(delta(`smm_upstream_call_duration_seconds_count{provider="${name}",action="add"}`)).toBe(2);
    expect(value(after, 'smm_orders_by_dispatch_state{state="sent"}')).toBe(2);
    expect(value(after, 'smm_cancel_requests_open')).toBe(0);
  });

  it('shows the payments pending by kind: manual (waiting for an admin) and gateway', async () => {
    const before = await scrape(metrics);
    expect(before.get('smm_payments_pending{kind="manual"}')).toBe(0);
    expect(before.get('smm_payments_pending{kind="gateway"}')).toBe(0);
    const fake = await startFakeCryptomus({ merchant: 'merchant-uuid', apiKey: 'api-key' });
    try {
      const box = SecretBox.ephemeral();
      const actor = await adminActor(db());
      const input = (settings: Record<string, string>): MethodInput => ({
        name: uniqueName('method'),
        instructions: '',
        min: '1',
        max: '100',
        adjustPercent: '0',
        enabled: true,
        settings,
      });
      const manual = await createPaymentMethod({ db: db(), box, actor, kind: 'manual', input: input({}) });
      if (!manual.ok) throw new Error(JSON.stringify(manual.failure));
      const gateway = await createPaymentMethod({
        db: db(),
        box,
        actor,
        kind: 'cryptomus',
        input: input({ merchant: 'merchant-uuid', apiKey: 'api-key', apiUrl: fake.url }),
      });
      if (!gateway.ok) throw new Error(JSON.stringify(gateway.failure));
      const user = await seedUser(db(), '0');
      const start = async (methodId: number, reference?: string) => {
        const r = await startPayment({
          db: db(),
          box,
          userId: user.id,
          methodId,
          amount: '10',
          reference,
          origin: 'http://127.0.0.1:1',
        });
        if (!r.ok) throw new Error(JSON.stringify(r.failure));
        return r.value.id;
      };
      const first = await start(manual.value.id, 'wire 1');
      await start(manual.value.id, 'wire 2');
      await start(gateway.value.id);
      expect(fake.invoices.size).toBe(1);
      const pending = await scrape(metrics);
      expect(pending.get('smm_payments_pending{kind="manual"}')).toBe(2);
      expect(pending.get('smm_payments_pending{kind="gateway"}')).toBe(1);

      // Approved: no longer pending.
      const a = await approvePayment({ db: db(), actor, paymentId: first });
      expect(a.ok).toBe(true);
      const after = await scrape(metrics);
      expect(after.get('smm_payments_pending{kind="manual"}')).toBe(1);
      expect(after.get('smm_payments_pending{kind="gateway"}')).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('answers only GET /metrics', async () => {
    const r = await fetch(metrics.url.replace('/metrics', '/other'));
    expect(r.status).toBe(404);
  });
});

describe('METRICS_PORT', () => {
  it('starts the metrics listener beside the panel, apart from its public port, and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smm-metrics-'));
    const lines: string[] = [];
    const panel = await startPanel(
      loadConfig({
        DATABASE_URL: `sqlite:${join(dir, 'panel.db')}`,
        DATA_DIR: dir,
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
      }),
      (l) => lines.push(l),
      { worker: false, secretsOnScreen: false },
    );
    try {
      const line = lines.find((l) => l.includes('Metrics (Prometheus):'));
      const url = line?.match(/http:\/\/127\.0\.0\.1:\d+\/metrics/)?.[0];
      expect(url).toBeDefined();
      const r = await fetch(url ?? '');
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('smm_orders_by_dispatch_state');
      // Not on the public port.
      expect((await fetch(`${panel.url}/metrics`)).status).toBe(404);
    } finally {
      await panel.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
