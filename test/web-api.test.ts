/**
 * The web panel's JSON endpoints (/api/web) through the whole HTTP stack on SQLite and Postgres:
 * sessions (sign-up, sign-in, sign-out, everywhere, disable), CSRF on every state change, 401 without
 * a session, isolation between customers (another's order is 404 like a missing one), every error
 * answer, and order placement refusing what API v2 refuses with the same message.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetPassword } from '../src/accounts/reset-password.js';
import { countUserSessions } from '../src/accounts/sessions.repo.js';
import { setUserDisabled } from '../src/accounts/set-user-disabled.js';
import { safeHtmlOf } from '../src/http/web/api-docs.routes.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { setSignupOpen } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';

/** Every endpoint, with a body good enough to pass validation. */
const ENDPOINTS: { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/me' },
  { method: 'GET', path: '/services' },
  { method: 'GET', path: '/orders' },
  { method: 'GET', path: '/orders/1' },
  { method: 'GET', path: '/refills' },
  { method: 'GET', path: '/funds' },
  { method: 'POST', path: '/orders/quote', body: { service: 1, link: 'https://x.com/a', quantity: '100' } },
  {
    method: 'POST',
    path: '/orders',
    body: { service: 1, link: 'https://x.com/a', quantity: '100', idempotencyKey: 'k-12345678' },
  },
  {
    method: 'POST',
    path: '/orders/mass',
    body: { text: '1 | https://x.com/a | 100', idempotencyKey: 'm-12345678' },
  },
  { method: 'POST', path: '/orders/1/refill' },
  { method: 'POST', path: '/orders/1/cancel' },
  { method: 'POST', path: '/account/api-key' },
  { method: 'GET', path: '/account/sessions' },
  { method: 'POST', path: '/account/sessions/1/end' },
  { method: 'POST', path: '/account/password', body: { currentPassword: 'x', newPassword: 'yyyyyyyyyy' } },
  { method: 'POST', path: '/account/email', body: { currentPassword: 'x', email: 'a@example.com' } },
  { method: 'GET', path: '/account/two-factor' },
  { method: 'POST', path: '/account/two-factor/setup' },
  { method: 'POST', path: '/account/two-factor/enable', body: { code: '123456' } },
  { method: 'POST', path: '/account/two-factor/disable', body: { password: 'x', code: '123456' } },
  { method: 'POST', path: '/account/two-factor/recovery-codes', body: { code: '123456' } },
  { method: 'GET', path: '/tickets' },
  { method: 'GET', path: '/tickets/1' },
  { method: 'POST', path: '/tickets', body: { subject: 'other', message: 'Hello' } },
  { method: 'POST', path: '/tickets/1/replies', body: { message: 'Hello again' } },
  { method: 'POST', path: '/tickets/1/close' },
  { method: 'POST', path: '/auth/sign-out' },
  { method: 'POST', path: '/auth/sign-out-everywhere' },
];

describeEachDb('web API', (ctx) => {
  let app: FastifyInstance;
  let serviceId: number;
  let refillService: number;
  let commentsService: number;

  beforeAll(async () => {
    app = await makeApi(ctx().db.db, {});
    serviceId = await seedService(ctx().db.db, {
      rate: '0.73',
      min: 10,
      max: 10000,
      dripfeed: true,
      cancel: true,
    });
    refillService = await seedService(ctx().db.db, { name: 'Likes', rate: '1.5', refill: true });
    commentsService = await seedService(ctx().db.db, {
      name: 'Comments',
      type: 'Custom Comments',
      rate: '12',
      min: 1,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  /** A customer with a web password, some funds, signed in. */
  async function customer(balance = '100') {
    const u = await seedUser(ctx().db.db, balance);
    const c = await signedInClient(app, ctx().db.db, u.username, { password: PASSWORD });
    return { ...u, c };
  }

  describe('accounts and sessions', () => {
    it('signs up, is signed in at once, and the session cookie is HttpOnly and SameSite=Lax', async () => {
      const c = new WebClient(app);
      const username = uniqueName('web');
      await c.csrfToken();
      const token = await c.csrfToken();
      const res = await app.inject({
        method: 'POST',
        url: '/api/web/auth/sign-up',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': token,
          cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        payload: JSON.stringify({ username, password: PASSWORD }),
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ username, balance: '0.00', currency: 'USD', admin: false });
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/smm_session=[^;]+;.*HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      expect(setCookie).not.toMatch(/Secure/);
    });

    it('refuses sign-up with the same rules as users create, and when the operator closed it', async () => {
      const c = new WebClient(app);
      expect((await c.post('/auth/sign-up', { username: 'a', password: PASSWORD })).body.code).toBe(
        'invalid_username',
      );
      const weak = await c.post('/auth/sign-up', { username: uniqueName('w'), password: 'short' });
      expect(weak.status).toBe(422);
      expect(weak.body.error).toBe('password must be at least 8 characters');
      const u = await seedUser(ctx().db.db);
      const taken = await c.post('/auth/sign-up', { username: u.username, password: PASSWORD });
      expect(taken.status).toBe(409);
      await setSignupOpen(ctx().db.db, false);
      try {
        const closed = await c.post('/auth/sign-up', { username: uniqueName('c'), password: PASSWORD });
        expect(closed).toMatchObject({ status: 403, body: { code: 'signup_closed' } });
        expect((await c.get('/panel')).body.signupOpen).toBe(false);
      } finally {
        await setSignupOpen(ctx().db.db, true);
      }
    });

    it('answers a wrong password, an unknown user and a disabled user alike (401)', async () => {
      const { username } = await customer();
      const c = new WebClient(app);
      const wrong = await c.signIn(username, 'not the password');
      const unknown = await c.signIn(uniqueName('nobody'), PASSWORD);
      expect(wrong).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
      expect(unknown.body).toEqual(wrong.body);
      await setUserDisabled({
        db: ctx().db.db,
        actor: await adminActor(ctx().db.db),
        username,
        disabled: true,
      });
      expect((await c.signIn(username, PASSWORD)).body).toEqual(wrong.body);
    });

    it('stores only a hash of the session token', async () => {
      const { c, id } = await customer();
      const token = c.cookies.get('smm_session') as string;
      const rows = await ctx()
        .db.db.selectFrom('web_sessions')
        .selectAll()
        .where('user_id', '=', id)
        .execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('sign-out ends this session only; the old cookie no longer works', async () => {
      const { c, username } = await customer();
      const other = new WebClient(app);
      await other.signIn(username, PASSWORD);
      const stolen = c.cookies.get('smm_session') as string;
      expect((await c.post('/auth/sign-out')).status).toBe(200);
      expect((await c.get('/me')).status).toBe(401);
      c.cookies.set('smm_session', stolen);
      expect((await c.get('/me')).status).toBe(401);
      expect((await other.get('/me')).status).toBe(200);
    });

    it('sign-out everywhere ends every session of the user, not others', async () => {
      const a = await customer();
      const second = new WebClient(app);
      await second.signIn(a.username, PASSWORD);
      const b = await customer();
      const r = await a.c.post('/auth/sign-out-everywhere');
      expect(r.body.ended).toBe(2);
      expect((await a.c.get('/me')).status).toBe(401);
      expect((await second.get('/me')).status).toBe(401);
      expect((await b.c.get('/me')).status).toBe(200);
      expect(await countUserSessions(ctx().db.db, a.id)).toBe(0);
    });

    it('disabling a user ends their sessions at once', async () => {
      const a = await customer();
      await setUserDisabled({
        db: ctx().db.db,
        actor: await adminActor(ctx().db.db),
        username: a.username,
        disabled: true,
      });
      expect(await countUserSessions(ctx().db.db, a.id)).toBe(0);
      expect((await a.c.get('/me')).status).toBe(401);
    });

    it('the first-start operator signs in like anyone with a password', async () => {
      const admin = await seedUser(ctx().db.db);
      await resetPassword({
        db: ctx().db.db,
        actor: await adminActor(ctx().db.db),
        username: admin.username,
        password: PASSWORD,
      });
      const c = new WebClient(app);
      expect((await c.signIn(admin.username, PASSWORD)).status).toBe(200);
    });

    it('changing the password ends the other sessions and needs the current one', async () => {
      const a = await customer();
      const other = new WebClient(app);
      await other.signIn(a.username, PASSWORD);
      const wrong = await a.c.post('/account/password', {
        currentPassword: 'nope',
        newPassword: 'new password 1',
      });
      expect(wrong).toMatchObject({ status: 422, body: { code: 'wrong_password' } });
      const weak = await a.c.post('/account/password', { currentPassword: PASSWORD, newPassword: 'short' });
      expect(weak.body.code).toBe('weak_password');
      const ok = await a.c.post('/account/password', {
        currentPassword: PASSWORD,
        newPassword: 'new password 1',
      });
      expect(ok).toMatchObject({ status: 200, body: { endedSessions: 1 } });
      expect((await other.get('/me')).status).toBe(401);
      expect((await a.c.get('/me')).status).toBe(200);
      expect((await new WebClient(app).signIn(a.username, 'new password 1')).status).toBe(200);
    });

    it('limits sign-in attempts per account (429 with Retry-After)', async () => {
      const { username } = await customer();
      const c = new WebClient(app);
      let last = await c.signIn(username, 'wrong');
      for (let i = 0; i < 10; i++) last = await c.signIn(username, 'wrong');
      expect(last.status).toBe(429);
      expect(last.body.code).toBe('rate_limited');
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      // Even the right password waits: guessing cannot continue by luck.
      expect((await c.signIn(username, PASSWORD)).status).toBe(429);
    });
  });

  describe('guards', () => {
    it('every endpoint without a session is 401', async () => {
      const c = new WebClient(app);
      for (const e of ENDPOINTS) {
        const r = e.method === 'GET' ? await c.get(e.path) : await c.post(e.path, e.body);
        expect([e.path, r.status, r.body.code]).toEqual([e.path, 401, 'no_session']);
      }
    });

    it('every state change without the CSRF token is 403 and changes nothing', async () => {
      const a = await customer('10');
      const posts = [
        ...ENDPOINTS.filter((e) => e.method === 'POST'),
        { path: '/auth/sign-in', body: { username: a.username, password: PASSWORD } },
        { path: '/auth/sign-up', body: { username: uniqueName('x'), password: PASSWORD } },
        { path: '/auth/forgot-password', body: { login: a.username } },
        { path: '/auth/reset-password', body: { token: 'x'.repeat(43), newPassword: PASSWORD } },
        { path: '/auth/two-factor', body: { token: 'x'.repeat(43), code: '123456' } },
      ];
      for (const e of posts) {
        const r = await a.c.post(e.path, e.body, { csrf: false });
        expect([e.path, r.status, r.body.code]).toEqual([e.path, 403, 'csrf']);
      }
      // A token that does not match the cookie's secret is refused too.
      const forged = await app.inject({
        method: 'POST',
        url: '/api/web/account/api-key',
        headers: { cookie: `smm_session=${a.c.cookies.get('smm_session')}`, 'x-csrf-token': 'forged' },
      });
      expect(forged.statusCode).toBe(403);
      expect((await a.c.get('/me')).body.balance).toBe('10.00');
      expect((await a.c.get('/orders')).body.orders).toEqual([]);
    });

    it('refuses a body that is not JSON (a cross-site form post) with 415', async () => {
      const a = await customer();
      const r = await app.inject({
        method: 'POST',
        url: '/api/web/orders/quote',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-csrf-token': await a.c.csrfToken(),
          cookie: [...a.c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        payload: 'service=1',
      });
      expect(r.statusCode).toBe(415);
    });

    it('serves its OpenAPI document with every endpoint', async () => {
      const r = await app.inject({ url: '/api/web/openapi.json' });
      const doc = r.json();
      expect(doc.openapi).toBe('3.1.0');
      for (const e of ENDPOINTS) {
        const p = `/api/web${e.path.replace(/\/1(\/|$)/, '/{id}$1')}`;
        expect(doc.paths[p]?.[e.method.toLowerCase()], p).toBeDefined();
      }
    });
  });

  describe('services, quotes and orders', () => {
    it('lists services with the customer own rate', async () => {
      const a = await customer();
      const r = await a.c.get('/services');
      expect(r.status).toBe(200);
      expect(r.body.currency).toBe('USD');
      expect(r.body.services.find((s: { id: number }) => s.id === serviceId)).toMatchObject({
        rate: '0.73',
        min: '10',
        max: '10000',
        dripfeed: true,
        cancel: true,
        refill: false,
      });
    });

    it('quotes by the money rules without placing anything', async () => {
      const a = await customer('1');
      const q = await a.c.post('/orders/quote', {
        service: serviceId,
        link: 'https://x.com/a',
        quantity: '1000',
      });
      expect(q.body).toMatchObject({ charge: '0.73', chargedQuantity: '1000' });
      const drip = await a.c.post('/orders/quote', {
        service: serviceId,
        link: 'https://x.com/a',
        quantity: '100',
        runs: '3',
        interval: '10',
      });
      expect(drip.body).toMatchObject({ charge: '0.219', chargedQuantity: '300' });
      const comments = await a.c.post('/orders/quote', {
        service: commentsService,
        link: 'https://x.com/p',
        comments: 'nice\ngreat\n\nwow',
      });
      expect(comments.body.charge).toBe('0.036');
      expect((await a.c.get('/orders')).body.orders).toEqual([]);
      expect((await a.c.get('/me')).body.balance).toBe('1.00');
    });

    it('refuses what API v2 refuses, with the same messages', async () => {
      const a = await customer('1');
      const cases: Record<string, unknown>[] = [
        { service: serviceId, link: 'https://x.com/a', quantity: '5' },
        { service: serviceId, link: 'https://x.com/a', quantity: '100000' },
        { service: serviceId, link: 'javascript:alert(1)', quantity: '100' },
        { service: serviceId, quantity: '100' },
        { service: serviceId, link: 'https://x.com/a', quantity: '100', runs: '2' },
        { service: 999999, link: 'https://x.com/a', quantity: '100' },
        { service: serviceId, link: 'https://x.com/a', quantity: '5000' },
        { service: refillService, link: 'https://x.com/a', quantity: '100', runs: '2', interval: '5' },
      ];
      for (const body of cases) {
        const apiAnswer = await callApi(app, {
          key: a.apiKey,
          action: 'add',
          ...(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])) as Record<
            string,
            string
          >),
        });
        const web = await a.c.post('/orders', {
          ...body,
          idempotencyKey: `k${Math.random().toString(36).slice(2, 12)}`,
        });
        expect(web.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
        expect(web.body.error, JSON.stringify(body)).toBe(apiAnswer.body.error);
        const quote = await a.c.post('/orders/quote', body);
        if (apiAnswer.body.error !== 'Not enough funds on balance')
          expect(quote.body.error).toBe(apiAnswer.body.error);
      }
      expect((await a.c.post('/orders', { service: 'x', idempotencyKey: 'abcdefgh' })).status).toBe(400);
      expect((await a.c.get('/me')).body.balance).toBe('1.00');
    });

    it('places one order per idempotency key, however often the form is sent', async () => {
      const a = await customer('10');
      const body = {
        service: serviceId,
        link: 'https://x.com/a',
        quantity: '1000',
        idempotencyKey: 'form-0001',
      };
      const answers = await Promise.all([
        a.c.post('/orders', body),
        a.c.post('/orders', body),
        a.c.post('/orders', body),
      ]);
      const ids = new Set(answers.map((r) => r.body.order));
      expect(ids.size).toBe(1);
      expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(answers.filter((r) => r.body.repeated === false)).toHaveLength(1);
      expect((await a.c.get('/me')).body.balance).toBe('9.27');
      const again = await a.c.post('/orders', { ...body, idempotencyKey: 'form-0002' });
      expect(again.body.order).not.toBe([...ids][0]);
      expect((await a.c.get('/me')).body.balance).toBe('8.54');
    });

    it('lists own orders newest first, by status, a page at a time, with refill and cancel where allowed', async () => {
      const a = await customer('50');
      const placed: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await a.c.post('/orders', {
          service: i < 3 ? serviceId : refillService,
          link: i === 0 ? 'instagram.com/p/x' : `https://x.com/${i}`,
          quantity: '100',
          idempotencyKey: `list-${i}-${a.id}`,
        });
        placed.push(r.body.order);
      }
      await setOrderStatus({
        db: ctx().db.db,
        actor: await adminActor(ctx().db.db),
        orderId: placed[4] as number,
        change: { status: 'completed' },
      });
      const first = await a.c.get('/orders?limit=2');
      expect(first.body.orders.map((o: { id: number }) => o.id)).toEqual([placed[4], placed[3]]);
      expect(first.body.orders[0]).toMatchObject({
        status: 'Completed',
        canRefill: true,
        canCancel: false,
        charge: '0.15',
      });
      expect(first.body.orders[1]).toMatchObject({ status: 'Pending', canRefill: false, canCancel: false });
      const second = await a.c.get(`/orders?limit=2&before=${first.body.nextBefore}`);
      expect(second.body.orders.map((o: { id: number }) => o.id)).toEqual([placed[2], placed[1]]);
      expect(second.body.orders[0]).toMatchObject({ canCancel: true, canRefill: false });
      const last = await a.c.get(`/orders?limit=2&before=${second.body.nextBefore}`);
      expect(last.body).toMatchObject({ nextBefore: null });
      expect(last.body.orders[0]).toMatchObject({ link: 'instagram.com/p/x' });
      const completed = await a.c.get('/orders?status=completed');
      expect(completed.body.orders.map((o: { id: number }) => o.id)).toEqual([placed[4]]);
      expect((await a.c.get('/orders?status=bogus')).status).toBe(400);

      // Refill: accepted once, then the button is gone and a second request is refused.
      const refill = await a.c.post(`/orders/${placed[4]}/refill`);
      expect(refill.status).toBe(201);
      expect((await a.c.get('/orders?status=completed')).body.orders[0].canRefill).toBe(false);
      expect((await a.c.post(`/orders/${placed[4]}/refill`)).body).toEqual({
        error: 'Refill already requested for this order',
        code: 'refill_open',
      });
      expect((await a.c.post(`/orders/${placed[3]}/refill`)).body.error).toBe('Order cannot be refilled');

      // Cancel: accepted once for a cancelable active order.
      expect((await a.c.post(`/orders/${placed[2]}/cancel`)).status).toBe(200);
      const after = (await a.c.get('/orders')).body.orders.find((o: { id: number }) => o.id === placed[2]);
      expect(after).toMatchObject({ canCancel: false, cancelRequested: true });
      expect((await a.c.post(`/orders/${placed[2]}/cancel`)).body.error).toBe(
        'Cancellation already requested for this order',
      );
      expect((await a.c.post(`/orders/${placed[4]}/cancel`)).body.error).toBe('Order cannot be canceled');
      expect((await a.c.post('/orders/0/cancel')).status).toBe(400);
    });

    it("another customer's order, refill, cancel and history are as absent as missing ones", async () => {
      const a = await customer('10');
      const b = await customer('10');
      const mine = await a.c.post('/orders', {
        service: refillService,
        link: 'https://x.com/a',
        quantity: '100',
        idempotencyKey: `iso-key-${a.id}`,
      });
      await setOrderStatus({
        db: ctx().db.db,
        actor: await adminActor(ctx().db.db),
        orderId: mine.body.order,
        change: { status: 'completed' },
      });
      const missing = await b.c.post('/orders/99999999/refill');
      const theirs = await b.c.post(`/orders/${mine.body.order}/refill`);
      expect(theirs).toMatchObject({ status: 404, body: missing.body });
      expect(missing.body).toEqual({ error: 'Incorrect order ID', code: 'unknown_order' });
      expect((await b.c.post(`/orders/${mine.body.order}/cancel`)).body).toEqual(missing.body);
      expect((await b.c.get('/orders')).body.orders).toEqual([]);
      const history = (await b.c.get('/funds')).body.entries;
      expect(history.every((e: { order: number | null }) => e.order !== mine.body.order)).toBe(true);
      // The same key in another account is another order.
      const sameKey = await b.c.post('/orders', {
        service: refillService,
        link: 'https://x.com/b',
        quantity: '100',
        idempotencyKey: `iso-key-${a.id}`,
      });
      expect(sameKey.body.order).not.toBe(mine.body.order);
    });
  });

  describe('mass orders', () => {
    it('places each line on its own, in order, and never overdraws: later lines are refused once the money runs out', async () => {
      const a = await customer('1');
      const text = [
        `${serviceId} | https://x.com/a | 1000`,
        '',
        `${serviceId} | https://x.com/b | 5`,
        'abc | https://x.com/c | 100',
        `${serviceId} | https://x.com/d`,
        `${serviceId} | https://x.com/e | 1000`,
        `  ${serviceId}|https://x.com/f|300  `,
        `999999 | https://x.com/g | 100`,
        `${serviceId} | https://x.com/h | 100`,
        `${serviceId} | https://x.com/i | many`,
      ].join('\n');
      const r = await a.c.post('/orders/mass', { text, idempotencyKey: 'mass-0001' });
      expect(r.status).toBe(200);
      const lines = r.body.lines as { line: number; ok: boolean; error?: string; charge?: string }[];
      expect(lines.map((l) => [l.line, l.ok, l.error ?? l.charge])).toEqual([
        [1, true, '0.73'],
        [3, false, 'Quantity less than minimal 10'],
        [4, false, 'The service must be its ID, a whole number'],
        [5, false, 'Write the line as: service | link | quantity'],
        [6, false, 'Not enough funds on balance'],
        [7, true, '0.219'],
        [8, false, 'Incorrect service ID'],
        [9, false, 'Not enough funds on balance'],
        [10, false, 'The quantity must be a whole number'],
      ]);
      expect(r.body).toMatchObject({ placed: 2, refused: 7 });
      expect((await a.c.get('/me')).body.balance).toBe('0.051');
      const orders = (await a.c.get('/orders')).body.orders as { id: number; link: string }[];
      expect(orders.map((o) => o.link)).toEqual(['https://x.com/f', 'https://x.com/a']);
    });

    it('a re-sent submission places nothing twice', async () => {
      const a = await customer('10');
      const text = `${serviceId} | https://x.com/a | 1000\n${serviceId} | https://x.com/b | 2000`;
      const first = await a.c.post('/orders/mass', { text, idempotencyKey: 'mass-resent' });
      const [again, concurrent] = await Promise.all([
        a.c.post('/orders/mass', { text, idempotencyKey: 'mass-resent' }),
        a.c.post('/orders/mass', { text, idempotencyKey: 'mass-resent' }),
      ]);
      const ids = (x: typeof first) => x.body.lines.map((l: { order: number }) => l.order);
      expect(first.body.lines.map((l: { repeated: boolean }) => l.repeated)).toEqual([false, false]);
      expect(ids(again)).toEqual(ids(first));
      expect(ids(concurrent)).toEqual(ids(first));
      expect(again.body.lines.map((l: { repeated: boolean }) => l.repeated)).toEqual([true, true]);
      expect((await a.c.get('/me')).body.balance).toBe('7.81');
      expect((await a.c.get('/orders')).body.orders).toHaveLength(2);
      // A new form (a new key) is a new mass order.
      await a.c.post('/orders/mass', { text, idempotencyKey: 'mass-other' });
      expect((await a.c.get('/me')).body.balance).toBe('5.62');
    });

    it('refuses an empty text and more than 100 lines, placing nothing', async () => {
      const a = await customer('100');
      const empty = await a.c.post('/orders/mass', { text: ' \n\n', idempotencyKey: 'mass-empty' });
      expect(empty).toMatchObject({ status: 422, body: { code: 'no_lines' } });
      const many = Array.from({ length: 101 }, (_, i) => `${serviceId} | https://x.com/${i} | 10`).join('\n');
      const tooMany = await a.c.post('/orders/mass', { text: many, idempotencyKey: 'mass-many1' });
      expect(tooMany).toMatchObject({
        status: 422,
        body: { code: 'too_many_lines', error: 'At most 100 orders at once' },
      });
      expect((await a.c.get('/orders')).body.orders).toEqual([]);
      expect((await a.c.get('/me')).body.balance).toBe('100.00');
    });
  });

  describe('API page', () => {
    it('serves docs/api-v2.md as HTML with every action and this panel URL, without a session', async () => {
      const r = await app.inject({ url: '/api/web/api-docs', headers: { host: 'panel.test:8080' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers['content-security-policy']).toBe("default-src 'none'");
      for (const action of ['services', 'add', 'status', 'refill', 'refill_status', 'cancel', 'balance'])
        expect(r.body).toContain(`<h2>${action}</h2>`);
      expect(r.body).toContain('http://panel.test:8080/api/v2');
      expect(r.body).not.toContain('your-panel.example');
      expect(r.body).toContain('<pre><code');
    });

    it('never lets the Host header or the doc inject markup', async () => {
      const r = await app.inject({
        url: '/api/web/api-docs',
        headers: { host: 'x"><script>alert(1)</script>' },
      });
      expect(r.body).not.toContain('<script');
      const html = await safeHtmlOf(
        '# t\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](https://ok.example/)\n\n<a href="#" onclick="x()">c</a>',
      );
      // Raw HTML in the doc is shown as text (escaped), never as a tag or an attribute.
      expect(html).not.toMatch(/<script|<img|<a[^>]*onclick|href="javascript/i);
      expect(html).toContain('&lt;script&gt;');
      expect(html).toContain('<a href="https://ok.example/">b</a>');
    });
  });

  describe('funds and account', () => {
    it('shows the balance and every entry with the balance after it', async () => {
      const a = await customer('5');
      await a.c.post('/orders', {
        service: serviceId,
        link: 'https://x.com/a',
        quantity: '1000',
        idempotencyKey: `funds-key-${a.id}`,
      });
      const r = await a.c.get('/funds');
      expect(r.body.balance).toBe('4.27');
      expect(
        r.body.entries.map((e: { kind: string; amount: string; balanceAfter: string }) => [
          e.kind,
          e.amount,
          e.balanceAfter,
        ]),
      ).toEqual([
        ['order_charge', '-0.73', '4.27'],
        ['deposit', '5.00', '5.00'],
      ]);
    });

    it('rotates the API key: shown once, the old one stops working', async () => {
      const a = await customer('5');
      const r = await a.c.post('/account/api-key');
      expect(r.body.apiKey).toMatch(/^[0-9a-f]{64}$/);
      expect((await callApi(app, { key: a.apiKey, action: 'balance' })).body.error).toBe('Invalid API key');
      expect((await callApi(app, { key: r.body.apiKey, action: 'balance' })).body.balance).toBe('5.00');
    });
  });
});
