/**
 * The admin area's staff and account management (/api/admin) on SQLite and Postgres: new accounts of
 * any role, role changes (the last admin kept), API key rotation, custom rates, and the user page's
 * funds pages, tickets and sessions; the 401/403 matrix (support refused every change, reads allowed);
 * one audit entry per change and none for a refusal.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const A = '/api/admin';

describeEachDb('admin staff management', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let adminName: string;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;
  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const username = `st_${role}_${Math.random().toString(36).slice(2, 8)}`;
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, role } });
    if (!r.ok) throw new Error(r.failure.code);
    return { id: r.value.id, username, c: await signedInClient(app, db(), username, { password: PASSWORD }) };
  }

  async function audit(filter: { action?: string; subject?: string } = {}) {
    const r = await listAudit({
      db: db(),
      actor: await adminActor(db()),
      filter: { actionPrefix: filter.action, subject: filter.subject, limit: 200 },
    });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries;
  }

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    const a = await staff('admin');
    admin = a.c;
    adminName = a.username;
    support = (await staff('support')).c;
    customer = await signedInClient(app, db(), (await seedUser(db(), '5')).username, { password: PASSWORD });
    noSession = new WebClient(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const CHANGES: [path: (id: number) => string, body?: unknown][] = [
    [() => `${A}/users`, { username: 'nobody_new', role: 'customer' }],
    [(id) => `${A}/users/${id}/role`, { role: 'support' }],
    [(id) => `${A}/users/${id}/api-key`],
    [(id) => `${A}/users/${id}/rates`, { service: 1, rate: '1.5' }],
    [(id) => `${A}/users/${id}/rates/1/clear`],
    [(id) => `${A}/users/${id}/two-factor/reset`, {}],
  ];
  const READS: ((id: number) => string)[] = [
    (id) => `${A}/users/${id}/rates`,
    (id) => `${A}/users/${id}/funds`,
    (id) => `${A}/users/${id}/tickets`,
    (id) => `${A}/users/${id}/sessions`,
  ];

  describe('who may call', () => {
    it('no session 401, a customer 403 on every endpoint; support 403 on every change, nothing audited', async () => {
      const u = await seedUser(db(), '5');
      const before = (await audit()).length;
      for (const [c, status, code] of [
        [noSession, 401, 'no_session'],
        [customer, 403, 'forbidden'],
        [support, 403, 'forbidden'],
      ] as const) {
        for (const [p, b] of CHANGES) {
          const r = await c.post(p(u.id), b);
          expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), status, code]);
        }
        if (c === support) continue;
        for (const p of READS) {
          const r = await c.get(p(u.id));
          expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), status, code]);
        }
      }
      // Support reads the user page's lists.
      for (const p of READS) expect([p(u.id), (await support.get(p(u.id))).status]).toEqual([p(u.id), 200]);
      expect((await audit()).length).toBe(before);
      expect((await admin.get(`${A}/users?q=nobody_new`)).body.users).toEqual([]);
    });

    it('without the CSRF token every change is 403 csrf', async () => {
      const u = await seedUser(db());
      for (const [p, b] of CHANGES) {
        const r = await admin.post(p(u.id), b, { csrf: false });
        expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), 403, 'csrf']);
      }
    });

    it('unknown user: 404 unknown_user', async () => {
      for (const [p, b] of CHANGES.slice(1)) {
        const r = await admin.post(p(99_999_999), b);
        expect([p(99_999_999), r.status, r.body.code]).toEqual([p(99_999_999), 404, 'unknown_user']);
      }
      for (const p of READS) expect((await admin.get(p(99_999_999))).body.code).toBe('unknown_user');
    });
  });

  describe('new accounts', () => {
    it('a support account with a generated password (shown once) that signs in; audited', async () => {
      const r = await admin.post(`${A}/users`, {
        username: 'helper_anna',
        role: 'support',
        email: 'Anna@Panel.example',
      });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        id: expect.any(Number),
        username: 'helper_anna',
        role: 'support',
        password: expect.stringMatching(/^.{12,}$/),
        apiKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const c = new WebClient(app);
      const signIn = await c.signIn('helper_anna', r.body.password);
      expect(signIn.body).toMatchObject({
        username: 'helper_anna',
        role: 'support',
        email: 'anna@panel.example',
      });
      expect((await c.get(`${A}/users`)).status).toBe(200);
      expect(await audit({ action: 'user.create', subject: `user:${r.body.id}` })).toEqual([
        expect.objectContaining({
          actor: adminName,
          via: 'web',
          after: expect.objectContaining({ username: 'helper_anna', role: 'support' }),
        }),
      ]);
      expect(JSON.stringify(await audit({ subject: `user:${r.body.id}` }))).not.toContain(r.body.password);
    });

    it('a customer with a chosen password; bad input refused and nothing made', async () => {
      const r = await admin.post(`${A}/users`, {
        username: 'buyer_bob',
        role: 'customer',
        password: 'long enough pw',
      });
      expect(r.status).toBe(201);
      expect(r.body.password).toBeNull();
      expect((await new WebClient(app).signIn('buyer_bob', 'long enough pw')).status).toBe(200);
      const before = (await audit()).length;
      const cases: [unknown, number, string][] = [
        [{ username: 'buyer_bob', role: 'customer' }, 409, 'user_exists'],
        [{ username: 'a b', role: 'customer' }, 422, 'invalid_username'],
        [{ username: 'short_pw', role: 'customer', password: 'abc' }, 422, 'weak_password'],
        [{ username: 'bad_mail', role: 'customer', email: 'nope' }, 422, 'invalid_email'],
      ];
      for (const [body, status, code] of cases) {
        const x = await admin.post(`${A}/users`, body);
        expect([x.status, x.body.code]).toEqual([status, code]);
      }
      expect((await admin.post(`${A}/users`, { username: 'x_role', role: 'boss' })).status).toBe(400);
      expect((await audit()).length).toBe(before);
    });
  });

  describe('roles', () => {
    it('makes a customer support and back; each change audited; the last admin stays admin', async () => {
      const u = await seedUser(db());
      const up = await admin.post(`${A}/users/${u.id}/role`, { role: 'support' });
      expect(up.body).toEqual({ from: 'customer', to: 'support' });
      expect((await admin.get(`${A}/users/${u.id}`)).body.user.role).toBe('support');
      const down = await admin.post(`${A}/users/${u.id}/role`, { role: 'customer' });
      expect(down.body).toEqual({ from: 'support', to: 'customer' });
      const entries = await audit({ action: 'user.role', subject: `user:${u.id}` });
      expect(entries.map((e) => [e.before, e.after])).toEqual([
        [{ role: 'support' }, { role: 'customer' }],
        [{ role: 'customer' }, { role: 'support' }],
      ]);
      expect((await admin.post(`${A}/users/${u.id}/role`, { role: 'owner' })).status).toBe(400);
    });

    it('refuses to demote the last active admin (409 last_admin)', async () => {
      // A database of its own admins: demote all but one, then the last is refused.
      const rows = await db().selectFrom('users').select(['id']).where('role', '=', 'admin').execute();
      const me = (await admin.get('/me')).body.id as number;
      const others = rows.map((r) => Number(r.id)).filter((id) => id !== me);
      for (const id of others)
        expect((await admin.post(`${A}/users/${id}/role`, { role: 'customer' })).status).toBe(200);
      const before = (await audit()).length;
      const last = await admin.post(`${A}/users/${me}/role`, { role: 'support' });
      expect([last.status, last.body.code]).toEqual([409, 'last_admin']);
      expect((await admin.get('/me')).body.role).toBe('admin');
      expect((await audit()).length).toBe(before);
      for (const id of others) await admin.post(`${A}/users/${id}/role`, { role: 'admin' });
    });
  });

  it('rotates a user’s API key: the new one works, the old one not; audited without the key', async () => {
    const u = await seedUser(db(), '3');
    const r = await admin.post(`${A}/users/${u.id}/api-key`);
    expect(r.status).toBe(200);
    expect(r.body.apiKey).toMatch(/^[0-9a-f]{64}$/);
    expect((await callApi(app, { key: u.apiKey, action: 'balance' })).body.error).toBeDefined();
    expect((await callApi(app, { key: r.body.apiKey, action: 'balance' })).body.balance).toBe('3.00');
    const e = await audit({ action: 'user.api_key_rotate', subject: `user:${u.id}` });
    expect(e).toHaveLength(1);
    expect(JSON.stringify(e)).not.toContain(r.body.apiKey);
  });

  it('custom rates: set (exact decimal), list, clear; audited; bad rate or service refused', async () => {
    const u = await seedUser(db());
    const service = await seedService(db(), { rate: '2.00' });
    const set = await admin.post(`${A}/users/${u.id}/rates`, { service, rate: '1.2345' });
    expect(set.status).toBe(200);
    expect(set.body.rates).toEqual([{ service, name: expect.any(String), rate: '1.2345', serviceRate: '2' }]);
    expect((await support.get(`${A}/users/${u.id}/rates`)).body).toEqual(set.body);
    const before = (await audit()).length;
    for (const [body, status, code] of [
      [{ service, rate: '1.23456' }, 422, 'invalid_param'],
      [{ service, rate: '-1' }, 422, 'invalid_param'],
      [{ service: 99_999_999, rate: '1' }, 404, 'unknown_service'],
    ] as const) {
      const x = await admin.post(`${A}/users/${u.id}/rates`, body);
      expect([x.status, x.body.code]).toEqual([status, code]);
    }
    expect((await audit()).length).toBe(before);
    const cleared = await admin.post(`${A}/users/${u.id}/rates/${service}/clear`);
    expect(cleared.body.rates).toEqual([]);
    const e = await audit({ action: 'rates', subject: `user:${u.id}` });
    expect(e.map((x) => x.action)).toEqual(['rates.clear', 'rates.set']);
    expect(e[1]?.after).toEqual({ service, rate: '1.2345' });
  });

  it('the user page lists: funds in keyset pages, tickets, sessions', async () => {
    const u = await seedUser(db(), '1');
    for (const amount of ['2', '3', '-1.5']) await admin.post(`${A}/users/${u.id}/funds`, { amount });
    const p1 = await support.get(`${A}/users/${u.id}/funds?limit=3`);
    expect(p1.status).toBe(200);
    expect(p1.body.entries.map((e: { amount: string }) => e.amount)).toEqual(['-1.50', '3.00', '2.00']);
    expect(p1.body.nextBefore).toBe(p1.body.entries[2].id);
    const p2 = await support.get(`${A}/users/${u.id}/funds?limit=3&before=${p1.body.nextBefore}`);
    expect(p2.body.entries.map((e: { amount: string }) => e.amount)).toEqual(['1.00']);
    expect(p2.body.nextBefore).toBeNull();
    expect((await admin.get(`${A}/users/${u.id}/funds?limit=0`)).status).toBe(400);

    const t = await openTicket({
      db: db(),
      userId: u.id,
      subject: 'payment',
      message: 'Where is my deposit?',
    });
    if (!t.ok) throw new Error(t.failure.code);
    const tickets = await support.get(`${A}/users/${u.id}/tickets`);
    expect(tickets.body.tickets).toEqual([
      expect.objectContaining({ id: t.value.ticketId, subject: 'payment', state: expect.any(String) }),
    ]);

    expect((await support.get(`${A}/users/${u.id}/sessions`)).body.sessions).toEqual([]);
    await signedInClient(app, db(), u.username, {
      password: PASSWORD,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0',
    });
    const s = await support.get(`${A}/users/${u.id}/sessions`);
    expect(s.body.sessions).toEqual([
      expect.objectContaining({ id: expect.any(Number), ip: expect.any(String), device: expect.any(String) }),
    ]);
  });
});
