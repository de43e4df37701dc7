/**
 * The admin area's Providers and Alerts endpoints on SQLite and Postgres, against a real scripted
 * upstream on 127.0.0.1: who may call them (no session 401, customer and support 403: admin only),
 * adding a provider (checked with a balance call: a wrong key or a dead URL is 422 with the
 * upstream's words and saves nothing), the key never in an answer or an audit entry, balance,
 * services with ours linked, hold and resume, remove refused while services use it, alerts listed
 * and resolved; each change leaves one audit entry, each refusal none.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { raiseAlert } from '../src/alerts/alerts.repo.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { importServices } from '../src/providers/import-services.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  closedPort,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { signedInClient, WebClient } from './helpers/web.js';

const A = '/api/admin';
const KEY = 'secret-upstream-key-4242';

describeEachDb('admin providers and alerts', (ctx) => {
  let app: FastifyInstance;
  let up: ScriptedUpstream;
  let admin: WebClient;
  let adminName: string;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;
  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const username = uniqueName(role);
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, role } });
    if (!r.ok) throw new Error(r.failure.code);
    return { username, c: await signedInClient(app, db(), username) };
  }

  async function audit() {
    const r = await listAudit({ db: db(), actor: await adminActor(db()), filter: { limit: 200 } });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries;
  }

  async function providerCount() {
    return (await db().selectFrom('providers').select('id').execute()).length;
  }

  async function add(name = uniqueName('prov')) {
    const r = await admin.post(`${A}/providers`, { name, url: up.url, apiKey: KEY });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.provider.id as number;
  }

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    up = await startScriptedUpstream({
      key: KEY,
      services: [upstreamService(11, { name: 'IG followers', rate: '0.50' }), upstreamService(12)],
    });
    up.balance = '123.45';
    const a = await staff('admin');
    admin = a.c;
    adminName = a.username;
    support = (await staff('support')).c;
    customer = await signedInClient(app, db(), (await seedUser(db(), '0')).username);
    noSession = new WebClient(app);
  });
  afterAll(async () => {
    await app.close();
    await up.close();
  });

  const ENDPOINTS: [m: 'get' | 'post', path: (id: number) => string, body?: unknown][] = [
    ['get', () => `${A}/providers`],
    ['post', () => `${A}/providers`, { name: 'x', url: 'http://127.0.0.1:1/api/v2', apiKey: 'k' }],
    ['get', (id) => `${A}/providers/${id}`],
    ['get', (id) => `${A}/providers/${id}/balance`],
    ['get', (id) => `${A}/providers/${id}/services`],
    ['post', (id) => `${A}/providers/${id}/hold`],
    ['post', (id) => `${A}/providers/${id}/resume`],
    ['post', (id) => `${A}/providers/${id}/remove`],
    ['get', () => `${A}/alerts`],
    ['post', (id) => `${A}/alerts/${id}/resolve`, {}],
  ];

  describe('who may call', () => {
    it('no session 401, a customer 403, support 403: providers and alerts are admin only', async () => {
      const id = await add();
      await raiseAlert(db(), { kind: 'provider_held', providerId: id, message: 'test alert' });
      const [alert] = (await admin.get(`${A}/alerts`)).body.alerts;
      const before = await audit();
      const providersBefore = await providerCount();
      for (const [who, c, status, code] of [
        ['none', noSession, 401, 'no_session'],
        ['customer', customer, 403, 'forbidden'],
        ['support', support, 403, 'forbidden'],
      ] as const) {
        for (const [m, p, b] of ENDPOINTS) {
          const path = p(p(0).includes('alerts/') ? alert.id : id);
          const r = m === 'get' ? await c.get(path) : await c.post(path, b);
          expect([who, path, r.status, r.body.code]).toEqual([who, path, status, code]);
        }
      }
      expect(await audit()).toEqual(before);
      expect(await providerCount()).toBe(providersBefore);
      expect((await admin.get(`${A}/providers/${id}`)).body.state).toBe('active');
      expect((await admin.get(`${A}/alerts`)).body.alerts.map((a: { id: number }) => a.id)).toContain(
        alert.id,
      );
    });

    it('without the CSRF token every change is 403 csrf and changes nothing', async () => {
      const id = await add();
      await raiseAlert(db(), { kind: 'review', message: 'csrf alert' });
      const [alert] = (await admin.get(`${A}/alerts?limit=1`)).body.alerts;
      const before = await audit();
      for (const [m, p, b] of ENDPOINTS) {
        if (m !== 'post') continue;
        const path = p(p(0).includes('alerts/') ? alert.id : id);
        const r = await admin.post(path, b, { csrf: false });
        expect([path, r.status, r.body.code]).toEqual([path, 403, 'csrf']);
      }
      expect(await audit()).toEqual(before);
      expect((await admin.get(`${A}/providers/${id}`)).body.state).toBe('active');
      expect((await admin.get(`${A}/alerts?limit=1`)).body.alerts[0].id).toBe(alert.id);
      const n = await providerCount();
      const r = await admin.post(
        `${A}/providers`,
        { name: 'nocsrf', url: up.url, apiKey: KEY },
        { csrf: false },
      );
      expect([r.status, r.body.code]).toEqual([403, 'csrf']);
      expect(await providerCount()).toBe(n);
    });
  });

  describe('providers', () => {
    it('adds a provider after a balance call; the answer and the audit entry hold no key', async () => {
      const calls = up.callsOf('balance').length;
      const name = uniqueName('good');
      const r = await admin.post(`${A}/providers`, { name: ` ${name} `, url: up.url, apiKey: ` ${KEY} ` });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        provider: {
          id: expect.any(Number),
          name,
          url: up.url,
          state: 'active',
          heldReason: null,
          heldAt: null,
          sendLimit: 1,
          services: 0,
          openOrders: 0,
        },
        balance: '123.45',
      });
      expect(up.callsOf('balance').length).toBe(calls + 1);
      expect(JSON.stringify(r.body)).not.toContain(KEY);
      const entry = (await audit())[0];
      expect(entry).toMatchObject({
        actor: adminName,
        via: 'web',
        action: 'provider.add',
        subject: `provider:${r.body.provider.id}`,
        after: { name, url: up.url },
      });
      expect(JSON.stringify(entry)).not.toContain(KEY);
      const list = await admin.get(`${A}/providers`);
      expect(list.status).toBe(200);
      expect(list.body.providers).toContainEqual(r.body.provider);
      expect(JSON.stringify(list.body)).not.toContain(KEY);
      expect(JSON.stringify((await admin.get(`${A}/providers/${r.body.provider.id}`)).body)).not.toContain(
        KEY,
      );
    });

    it('a refused key or a dead URL: 422 provider_check_failed with the upstream words, nothing saved', async () => {
      const n = await providerCount();
      const auditBefore = (await audit()).length;
      const wrong = await admin.post(`${A}/providers`, {
        name: uniqueName('bad'),
        url: up.url,
        apiKey: 'nope',
      });
      expect(wrong.status).toBe(422);
      expect(wrong.body.code).toBe('provider_check_failed');
      expect(wrong.body.error).toContain('Invalid API key');
      const dead = await admin.post(`${A}/providers`, {
        name: uniqueName('dead'),
        url: `http://127.0.0.1:${await closedPort()}/api/v2`,
        apiKey: KEY,
      });
      expect([dead.status, dead.body.code]).toEqual([422, 'provider_check_failed']);
      expect(dead.body.error).toMatch(/^provider check failed: provider /);
      for (const [body, code] of [
        [{ name: 'x', url: 'ftp://127.0.0.1/x', apiKey: KEY }, 'invalid_provider_url'],
        [{ name: 'x', url: 'not a url', apiKey: KEY }, 'invalid_provider_url'],
        [{ name: 'x', url: up.url, apiKey: 'has space' }, 'invalid_provider_key'],
        [{ name: '  ', url: up.url, apiKey: KEY }, 'invalid_provider_name'],
      ] as const) {
        const r = await admin.post(`${A}/providers`, body);
        expect([r.status, r.body.code]).toEqual([422, code]);
      }
      const missing = await admin.post(`${A}/providers`, { name: 'x', url: up.url });
      expect([missing.status, missing.body.code]).toEqual([400, 'bad_request']);
      expect(await providerCount()).toBe(n);
      expect((await audit()).length).toBe(auditBefore);
    });

    it('a second provider with the same name: 409 provider_exists', async () => {
      const name = uniqueName('twice');
      await add(name);
      const auditBefore = (await audit()).length;
      const r = await admin.post(`${A}/providers`, { name, url: up.url, apiKey: KEY });
      expect([r.status, r.body.code]).toEqual([409, 'provider_exists']);
      expect((await audit()).length).toBe(auditBefore);
    });

    it('balance and services (ours linked beside them); unknown ids 404', async () => {
      const id = await add();
      expect((await admin.get(`${A}/providers/${id}/balance`)).body).toEqual({
        balance: '123.45',
        currency: 'USD',
      });
      const imported = await importServices({ db: db(), actor: SYSTEM, providerId: id, markupPercent: '10' });
      if (!imported.ok) throw new Error(imported.failure.code);
      const s = await admin.get(`${A}/providers/${id}/services`);
      expect(s.status).toBe(200);
      expect(s.body.skipped).toBe(0);
      expect(s.body.orphans).toEqual([]);
      expect(s.body.services).toHaveLength(2);
      expect(s.body.services[0]).toMatchObject({
        service: '11',
        name: 'IG followers',
        rate: '0.50',
        min: '10',
        max: '100000',
        linked: [{ id: expect.any(Number), name: 'IG followers', enabled: true }],
      });
      expect((await admin.get(`${A}/providers/${id}`)).body.services).toBe(2);
      for (const p of ['', '/balance', '/services']) {
        const r = await admin.get(`${A}/providers/999999${p}`);
        expect([p, r.status, r.body.code]).toEqual([p, 404, 'unknown_provider']);
      }
      expect((await admin.get(`${A}/providers/abc`)).status).toBe(400);
    });

    it('an upstream that refuses the balance call: 502 provider_refused with its words', async () => {
      const id = await add();
      up.handlers.balance = () => ({ json: { error: 'Account suspended' } });
      try {
        const r = await admin.get(`${A}/providers/${id}/balance`);
        expect([r.status, r.body.code]).toEqual([502, 'provider_refused']);
        expect(r.body.error).toContain('Account suspended');
      } finally {
        delete up.handlers.balance;
      }
    });

    it('hold and resume, each audited; a second hold changes nothing and writes nothing', async () => {
      const id = await add();
      const held = await admin.post(`${A}/providers/${id}/hold`);
      expect(held.status).toBe(200);
      expect(held.body).toMatchObject({ provider: { id, state: 'disabled' }, changed: true, requeued: 0 });
      expect((await audit())[0]).toMatchObject({
        action: 'provider.disable',
        subject: `provider:${id}`,
        before: { state: 'active' },
        after: { state: 'disabled' },
      });
      const n = (await audit()).length;
      const again = await admin.post(`${A}/providers/${id}/hold`);
      expect(again.body).toMatchObject({ changed: false });
      expect((await audit()).length).toBe(n);
      const resumed = await admin.post(`${A}/providers/${id}/resume`);
      expect(resumed.body).toMatchObject({ provider: { id, state: 'active' }, changed: true });
      expect((await audit())[0]).toMatchObject({ action: 'provider.enable', after: { state: 'active' } });
      for (const p of ['hold', 'resume', 'remove']) {
        const r = await admin.post(`${A}/providers/999999/${p}`);
        expect([p, r.status, r.body.code]).toEqual([p, 404, 'unknown_provider']);
      }
    });

    it('resuming a provider the engine held makes it active and resolves its held alert', async () => {
      const id = await add();
      await db()
        .updateTable('providers')
        .set({ state: 'held', held_reason: 'not enough funds', held_at: Date.now() })
        .where('id', '=', id)
        .execute();
      await raiseAlert(db(), { kind: 'provider_held', providerId: id, message: 'held: not enough funds' });
      const p = (await admin.get(`${A}/providers/${id}`)).body;
      expect(p).toMatchObject({ state: 'held', heldReason: 'not enough funds', heldAt: expect.any(String) });
      const r = await admin.post(`${A}/providers/${id}/resume`);
      expect(r.body.provider).toMatchObject({ state: 'active', heldReason: null, heldAt: null });
      const open = (await admin.get(`${A}/alerts?limit=100`)).body.alerts;
      expect(open.filter((a: { providerId: number }) => a.providerId === id)).toEqual([]);
    });

    it('remove: refused while our services use it (409 provider_in_use), then removed and audited', async () => {
      const id = await add();
      const imported = await importServices({ db: db(), actor: SYSTEM, providerId: id, markupPercent: '0' });
      if (!imported.ok) throw new Error(imported.failure.code);
      const n = (await audit()).length;
      const refused = await admin.post(`${A}/providers/${id}/remove`);
      expect([refused.status, refused.body.code]).toEqual([409, 'provider_in_use']);
      expect(refused.body.params).toMatchObject({ services: '2', openOrders: '0' });
      expect((await audit()).length).toBe(n);
      expect((await admin.get(`${A}/providers/${id}`)).status).toBe(200);

      const free = await add();
      const r = await admin.post(`${A}/providers/${free}/remove`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ id: free, name: expect.any(String) });
      expect((await audit())[0]).toMatchObject({ action: 'provider.remove', subject: `provider:${free}` });
      expect(JSON.stringify((await audit())[0])).not.toContain(KEY);
      expect((await admin.get(`${A}/providers/${free}`)).status).toBe(404);
    });
  });

  describe('alerts', () => {
    it('lists open alerts newest first with provider names and pages; resolves with a note, audited', async () => {
      const pid = await add();
      const name = (await admin.get(`${A}/providers/${pid}`)).body.name;
      await raiseAlert(db(), { kind: 'bad_answer', providerId: pid, orderId: 77, message: 'first' });
      await raiseAlert(db(), { kind: 'review', message: 'second' });
      const list = await admin.get(`${A}/alerts?limit=2`);
      expect(list.status).toBe(200);
      const [second, first] = list.body.alerts;
      expect(second).toMatchObject({
        kind: 'review',
        message: 'second',
        providerId: null,
        orderId: null,
        resolvedAt: null,
      });
      expect(first).toMatchObject({ kind: 'bad_answer', providerId: pid, providerName: name, orderId: 77 });
      expect(list.body.open).toBeGreaterThanOrEqual(2);
      const next = await admin.get(`${A}/alerts?limit=2&before=${list.body.nextBefore}`);
      expect(next.body.alerts.every((a: { id: number }) => a.id < first.id)).toBe(true);

      const r = await admin.post(`${A}/alerts/${first.id}/resolve`, { note: 'checked with the provider' });
      expect([r.status, r.body]).toEqual([200, { id: first.id }]);
      expect((await audit())[0]).toMatchObject({
        action: 'alert.resolve',
        subject: `alert:${first.id}`,
        note: 'checked with the provider',
      });
      const resolved = (await admin.get(`${A}/alerts?state=resolved`)).body.alerts;
      expect(resolved[0]).toMatchObject({ id: first.id, resolvedAt: expect.any(String) });
      const open = (await admin.get(`${A}/alerts?limit=100`)).body.alerts.map((a: { id: number }) => a.id);
      expect(open).not.toContain(first.id);

      const n = (await audit()).length;
      const again = await admin.post(`${A}/alerts/${first.id}/resolve`, {});
      expect([again.status, again.body.code]).toEqual([404, 'unknown_alert']);
      const unknown = await admin.post(`${A}/alerts/999999/resolve`, {});
      expect([unknown.status, unknown.body.code]).toEqual([404, 'unknown_alert']);
      expect((await audit()).length).toBe(n);
      expect((await admin.get(`${A}/alerts?state=nope`)).status).toBe(400);
    });
  });
});
