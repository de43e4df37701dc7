/**
 * The admin area's endpoints (/api/admin) on SQLite and Postgres: who may call them (no session 401,
 * a customer 403, support reads only, admin everything), CSRF on every change, bad input, unknown
 * users, and the audit entry each change writes (actor = the admin, via web, before -> after) while a
 * refusal changes nothing and writes none.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const A = '/api/admin';

describeEachDb('admin API', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let adminId: number;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;

  const db = () => ctx().db.db;

  async function signedIn(username: string): Promise<WebClient> {
    return signedInClient(app, db(), username, { password: PASSWORD });
  }

  async function staff(role: 'admin' | 'support') {
    const r = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: `${role}_${Date.now() % 1e6}`, role },
    });
    if (!r.ok) throw new Error(r.failure.code);
    return { id: r.value.id, c: await signedIn(r.value.username) };
  }

  async function auditCount(): Promise<number> {
    const r = await listAudit({ db: db(), actor: await adminActor(db()), filter: { limit: 200 } });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries.length;
  }

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    const a = await staff('admin');
    admin = a.c;
    adminId = a.id;
    support = (await staff('support')).c;
    customer = await signedIn((await seedUser(db(), '5')).username);
    noSession = new WebClient(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const ENDPOINTS: [method: 'get' | 'post', path: (id: number) => string, body?: unknown][] = [
    ['get', () => `${A}/users`],
    ['get', (id) => `${A}/users/${id}`],
    ['post', (id) => `${A}/users/${id}/funds`, { amount: '1' }],
    ['post', (id) => `${A}/users/${id}/disable`],
    ['post', (id) => `${A}/users/${id}/enable`],
    ['post', (id) => `${A}/users/${id}/password`],
    ['get', () => `${A}/audit`],
  ];

  describe('who may call', () => {
    it('no session: 401 no_session on every endpoint', async () => {
      const u = await seedUser(db(), '5');
      for (const [m, p, b] of ENDPOINTS) {
        const r = m === 'get' ? await noSession.get(p(u.id)) : await noSession.post(p(u.id), b);
        expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), 401, 'no_session']);
      }
    });

    it('a customer session: 403 forbidden on every endpoint', async () => {
      const u = await seedUser(db(), '5');
      for (const [m, p, b] of ENDPOINTS) {
        const r = m === 'get' ? await customer.get(p(u.id)) : await customer.post(p(u.id), b);
        expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), 403, 'forbidden']);
      }
    });

    it('without the CSRF token every change is 403 csrf and changes nothing', async () => {
      const u = await seedUser(db(), '5');
      const before = await auditCount();
      for (const [m, p, b] of ENDPOINTS) {
        if (m !== 'post') continue;
        const r = await admin.post(p(u.id), b, { csrf: false });
        expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), 403, 'csrf']);
      }
      expect((await admin.get(`${A}/users/${u.id}`)).body.user).toMatchObject({
        balance: '5.00',
        state: 'active',
      });
      expect(await auditCount()).toBe(before);
    });

    it('support reads users but is refused funds, disable, enable, password and the audit log', async () => {
      const u = await seedUser(db(), '5');
      expect(
        (await support.get(`${A}/users?q=${u.username}`)).body.users.map((x: { id: number }) => x.id),
      ).toEqual([u.id]);
      expect((await support.get(`${A}/users/${u.id}`)).status).toBe(200);
      const before = await auditCount();
      for (const [m, p, b] of ENDPOINTS.slice(2)) {
        const r = m === 'get' ? await support.get(p(u.id)) : await support.post(p(u.id), b);
        expect([p(u.id), r.status, r.body.code]).toEqual([p(u.id), 403, 'forbidden']);
      }
      expect((await admin.get(`${A}/users/${u.id}`)).body.user).toMatchObject({
        balance: '5.00',
        state: 'active',
      });
      expect((await customerSignIn(u.username)).status).toBe(401); // the password was not changed
      expect(await auditCount()).toBe(before);
    });
  });

  async function customerSignIn(username: string) {
    return new WebClient(app).signIn(username, 'never set');
  }

  describe('users', () => {
    it('searches by part of the username or the e-mail, newest first, with pages', async () => {
      const a = await seedUser(db(), '1.5');
      const b = await seedUser(db(), '0');
      const mail = await createUser({
        db: db(),
        actor: SYSTEM,
        input: { username: `mailme_${Date.now() % 1e6}`, email: `Findme.${Date.now()}@Example.com` },
      });
      if (!mail.ok) throw new Error(mail.failure.code);
      const byName = await admin.get(`${A}/users?q=${a.username.toUpperCase()}`);
      expect(byName.status).toBe(200);
      expect(byName.body.users).toEqual([
        expect.objectContaining({
          id: a.id,
          username: a.username,
          balance: '1.50',
          role: 'customer',
          state: 'active',
        }),
      ]);
      const byMail = await admin.get(`${A}/users?q=findme.`);
      expect(byMail.body.users.map((x: { id: number }) => x.id)).toEqual([mail.value.id]);
      const page1 = await admin.get(`${A}/users?limit=2`);
      expect(page1.body.users.map((x: { id: number }) => x.id)).toEqual([mail.value.id, b.id]);
      expect(page1.body.nextBefore).toBe(b.id);
      const page2 = await admin.get(`${A}/users?limit=1&before=${b.id}`);
      expect(page2.body.users[0].id).toBe(a.id);
      expect((await admin.get(`${A}/users?q=%25`)).body.users).toEqual([]); // % is no wildcard
    });

    it('one user: balance, role, recent funds and sessions count', async () => {
      const u = await seedUser(db(), '7.25');
      await signedIn(u.username);
      const r = await admin.get(`${A}/users/${u.id}`);
      expect(r.status).toBe(200);
      expect(r.body.user).toMatchObject({
        id: u.id,
        username: u.username,
        balance: '7.25',
        role: 'customer',
      });
      expect(r.body.sessions).toBe(1);
      expect(r.body.orders).toBe(0);
      expect(r.body.recentOrders).toEqual([]);
      expect(r.body.recentFunds).toEqual([
        expect.objectContaining({ kind: 'deposit', amount: '7.25', balanceAfter: '7.25' }),
      ]);
    });

    it('unknown user: 404 unknown_user on every endpoint but the lists; a bad id 400', async () => {
      for (const [m, p, b] of ENDPOINTS.slice(1, 6)) {
        const r = m === 'get' ? await admin.get(p(99_999_999)) : await admin.post(p(99_999_999), b);
        expect([p(99_999_999), r.status, r.body.code]).toEqual([p(99_999_999), 404, 'unknown_user']);
      }
      expect((await admin.get(`${A}/users/abc`)).status).toBe(400);
      expect((await admin.get(`${A}/users?limit=0`)).status).toBe(400);
    });
  });

  describe('funds', () => {
    it('adds and deducts with a note; one audit entry each, by this admin via web', async () => {
      const u = await seedUser(db(), '10');
      const add = await admin.post(`${A}/users/${u.id}/funds`, { amount: '2.5', note: 'bank transfer 42' });
      expect(add.status).toBe(200);
      expect(add.body).toEqual({ balance: '12.50', currency: expect.any(String) });
      const ded = await admin.post(`${A}/users/${u.id}/funds`, { amount: '-12.5' });
      expect(ded.body.balance).toBe('0.00');
      const adminName = (await admin.get('/me')).body.username;
      const log = await admin.get(`${A}/audit?subject=user:${u.id}&action=funds&actor=${adminName}`);
      expect(log.status).toBe(200);
      expect(log.body.entries).toEqual([
        expect.objectContaining({
          via: 'web',
          action: 'funds.adjust',
          subject: `user:${u.id}`,
          before: { balance: '12.50' },
          after: { balance: '0.00', amount: '-12.50' },
          note: null,
        }),
        expect.objectContaining({
          via: 'web',
          action: 'funds.adjust',
          before: { balance: '10.00' },
          after: { balance: '12.50', amount: '2.50' },
          note: 'bank transfer 42',
        }),
      ]);
      expect(log.body.entries.every((e: { actor: string }) => e.actor === adminName)).toBe(true);
      expect((await admin.get(`${A}/users/${u.id}`)).body.recentFunds[1]).toMatchObject({
        note: 'bank transfer 42',
      });
      expect(adminId).toBeGreaterThan(0);
    });

    it('refuses a deduction below zero (402), zero and a bad amount (422, the CLI words); nothing changes', async () => {
      const u = await seedUser(db(), '3');
      const before = await auditCount();
      const neg = await admin.post(`${A}/users/${u.id}/funds`, { amount: '-3.0000001' });
      expect([neg.status, neg.body.code]).toEqual([402, 'insufficient_funds']);
      const zero = await admin.post(`${A}/users/${u.id}/funds`, { amount: '0' });
      expect([zero.status, zero.body.code, zero.body.error]).toEqual([
        422,
        'zero_amount',
        'amount must not be zero',
      ]);
      const bad = await admin.post(`${A}/users/${u.id}/funds`, { amount: '1,5' });
      expect([bad.status, bad.body.code, bad.body.error]).toEqual([
        422,
        'invalid_amount',
        'amount must be a decimal number with at most 7 decimals (got "1,5")',
      ]);
      const many = await admin.post(`${A}/users/${u.id}/funds`, { amount: '1.00000001' });
      expect(many.body.code).toBe('invalid_amount');
      expect((await admin.post(`${A}/users/${u.id}/funds`, { note: 'x' })).status).toBe(400);
      expect((await admin.post(`${A}/users/${u.id}/funds`, { amount: 5 })).status).toBe(400);
      expect((await admin.get(`${A}/users/${u.id}`)).body.user.balance).toBe('3.00');
      expect(await auditCount()).toBe(before);
    });
  });

  describe('disable, enable, password', () => {
    it('disable ends the sessions and is audited once; enable again; a new password shown once', async () => {
      const u = await seedUser(db(), '0');
      const c = await signedIn(u.username);
      const off = await admin.post(`${A}/users/${u.id}/disable`);
      expect(off.body).toEqual({ state: 'disabled', changed: true });
      expect((await c.get('/me')).status).toBe(401);
      expect((await admin.post(`${A}/users/${u.id}/disable`)).body.changed).toBe(false);
      const on = await admin.post(`${A}/users/${u.id}/enable`);
      expect(on.body).toEqual({ state: 'active', changed: true });
      const c2 = await signedIn(u.username);
      const pw = await admin.post(`${A}/users/${u.id}/password`);
      expect(pw.status).toBe(200);
      expect(pw.body.password.length).toBeGreaterThanOrEqual(8);
      expect(pw.body.endedSessions).toBe(1);
      expect((await c2.get('/me')).status).toBe(401);
      expect((await new WebClient(app).signIn(u.username, pw.body.password)).status).toBe(200);
      // The test's own password setting (signedIn) acts via the CLI's actor; the admin's via web.
      const log = await admin.get(`${A}/audit?subject=user:${u.id}`);
      const web = log.body.entries.filter((e: { via: string }) => e.via === 'web');
      expect(web.map((e: { action: string; via: string }) => `${e.action}/${e.via}`)).toEqual([
        'user.password_reset/web',
        'user.enable/web',
        'user.disable/web',
      ]);
      expect(web[2]).toMatchObject({ before: { disabled: false }, after: { disabled: true } });
      expect(JSON.stringify(log.body)).not.toContain(pw.body.password);
    });
  });

  it('the last active admin cannot be disabled (409 last_admin), nothing changes', async () => {
    const first = await adminActor(db());
    const others = await admin.get(`${A}/users?limit=100`);
    const admins = others.body.users.filter((u: { role: string; state: string }) => u.role === 'admin');
    const me = (await admin.get('/me')).body.id as number;
    // Disable every other admin, then try the last one (the caller itself).
    const disabled: number[] = [];
    try {
      for (const u of admins as { id: number }[]) {
        if (u.id === me) continue;
        expect((await admin.post(`${A}/users/${u.id}/disable`)).status).toBe(200);
        disabled.push(u.id);
      }
      expect(disabled).toContain(first.id);
      const r = await admin.post(`${A}/users/${me}/disable`);
      expect([r.status, r.body.code]).toEqual([409, 'last_admin']);
      expect((await admin.get('/me')).status).toBe(200);
    } finally {
      for (const id of disabled) await admin.post(`${A}/users/${id}/enable`);
    }
  });

  describe('audit', () => {
    it('a user created with an opening balance is logged with the balance as a decimal, not in units', async () => {
      const r = await createUser({
        db: db(),
        actor: await adminActor(db()),
        input: { username: `opening_${Date.now() % 1e6}`, balanceUnits: 25_000_000n },
      });
      if (!r.ok) throw new Error(r.failure.code);
      const log = await admin.get(`${A}/audit?action=user.create&subject=user:${r.value.id}`);
      expect(log.body.entries).toEqual([
        expect.objectContaining({ after: expect.objectContaining({ balance: '2.50' }) }),
      ]);
    });

    it('filters by actor, action and subject, pages with before; an unknown actor is 404', async () => {
      const u = await seedUser(db(), '0');
      await admin.post(`${A}/users/${u.id}/funds`, { amount: '1' });
      await admin.post(`${A}/users/${u.id}/funds`, { amount: '2' });
      const me = (await admin.get('/me')).body.username;
      const p1 = await admin.get(`${A}/audit?actor=${me}&subject=user:${u.id}&limit=1`);
      expect(p1.body.entries).toHaveLength(1);
      expect(p1.body.entries[0].after.amount).toBe('2.00');
      const p2 = await admin.get(
        `${A}/audit?actor=${me}&subject=user:${u.id}&limit=1&before=${p1.body.nextBefore}`,
      );
      expect(p2.body.entries[0].after.amount).toBe('1.00');
      expect((await admin.get(`${A}/audit?action=user.disable&subject=user:${u.id}`)).body.entries).toEqual(
        [],
      );
      const unknown = await admin.get(`${A}/audit?actor=nobody_here`);
      expect([unknown.status, unknown.body.code]).toEqual([404, 'unknown_user']);
    });
  });

  it('GET /api/web/me tells the role', async () => {
    expect((await admin.get('/me')).body.role).toBe('admin');
    expect((await support.get('/me')).body.role).toBe('support');
    expect((await customer.get('/me')).body.role).toBe('customer');
  });
});
