/**
 * The Account page's sessions, the funds history and tickets in keyset pages, and the public services
 * page, through the web face (/api/web) on SQLite and Postgres: each error answer, and isolation
 * (another customer's session id is 404 and ends nothing; pages never show another's entries).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUserSessions } from '../src/accounts/sessions.repo.js';
import { describeDevice } from '../src/accounts/user-agent.js';
import { setUserRate } from '../src/catalog/set-user-rate.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { parseAmount, parseRate } from '../src/money.js';
import { setPublicServices } from '../src/settings/settings.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const LAPTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('describeDevice: browser and system from a User-Agent', () => {
  const table: [string, string | null][] = [
    [PHONE_UA, 'Chrome on Android'],
    [LAPTOP_UA, 'Firefox on Windows'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iPhone',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
      'Chrome on iPhone',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
      'Samsung Internet on Android',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0',
      'Opera on Windows',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on ChromeOS',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      'Chrome on Linux',
    ],
    ['curl/8.5.0', 'curl'],
    ['Mozilla/5.0 (Linux; Android 13)', 'Android'],
    ['something else', null],
    ['', null],
  ];
  it.each(table)('%s -> %s', (ua, label) => {
    expect(describeDevice(ua).label).toBe(label);
  });
  it('no User-Agent at all is unknown', () => {
    expect(describeDevice(null)).toEqual({ browser: null, os: null, label: null });
  });
});

describeEachDb('web account, paging and public services', (ctx) => {
  let app: FastifyInstance;
  let serviceId: number;

  beforeAll(async () => {
    app = await makeApi(ctx().db.db, {});
    serviceId = await seedService(ctx().db.db, { name: 'Followers', rate: '2.5', min: 10, max: 1000 });
  });
  afterAll(async () => {
    await app.close();
  });

  async function customer(balance = '0', userAgent = PHONE_UA) {
    const u = await seedUser(ctx().db.db, balance);
    const c = await signedInClient(app, ctx().db.db, u.username, { password: PASSWORD, userAgent });
    return { ...u, c };
  }

  /** Another browser of the same customer. */
  async function secondDevice(username: string, userAgent = LAPTOP_UA) {
    const c = new WebClient(app, userAgent);
    expect((await c.signIn(username, PASSWORD)).status).toBe(200);
    return c;
  }

  describe('sessions', () => {
    it('lists the sessions with their device, and marks the current one', async () => {
      const a = await customer();
      const laptop = await secondDevice(a.username);
      const fromPhone = await a.c.get('/account/sessions');
      expect(fromPhone.status).toBe(200);
      expect(fromPhone.body.sessions).toHaveLength(2);
      const byDevice = Object.fromEntries(
        fromPhone.body.sessions.map((s: { device: string }) => [s.device, s]),
      );
      expect(byDevice['Chrome on Android']).toMatchObject({
        current: true,
        browser: 'Chrome',
        os: 'Android',
      });
      expect(byDevice['Firefox on Windows']).toMatchObject({ current: false });
      for (const s of fromPhone.body.sessions) {
        expect(Date.parse(s.createdAt)).toBeGreaterThan(0);
        expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.parse(s.lastSeenAt));
        expect(s.ip).toBeTruthy();
      }
      // The session in hand comes first.
      expect(fromPhone.body.sessions[0].device).toBe('Chrome on Android');
      const fromLaptop = await laptop.get('/account/sessions');
      expect(fromLaptop.body.sessions[0]).toMatchObject({ device: 'Firefox on Windows', current: true });
      const current = fromLaptop.body.sessions.filter((s: { current: boolean }) => s.current);
      expect(current.map((s: { device: string }) => s.device)).toEqual(['Firefox on Windows']);
    });

    it('keeps at most 200 characters of a User-Agent', async () => {
      const a = await customer('0', `${PHONE_UA} ${'x'.repeat(500)}`);
      const row = await ctx()
        .db.db.selectFrom('web_sessions')
        .select('user_agent')
        .where('user_id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(row.user_agent).toHaveLength(200);
      expect((await a.c.get('/account/sessions')).body.sessions[0].device).toBe('Chrome on Android');
    });

    it("ending one's other session makes that cookie 401; this one stays signed in", async () => {
      const a = await customer();
      const laptop = await secondDevice(a.username);
      const other = (await a.c.get('/account/sessions')).body.sessions.find(
        (s: { current: boolean }) => !s.current,
      );
      const r = await a.c.post(`/account/sessions/${other.id}/end`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ signedOut: false });
      expect(String(r.headers['set-cookie'] ?? '')).not.toMatch(/smm_session=;/);
      expect((await laptop.get('/me')).status).toBe(401);
      expect((await a.c.get('/me')).status).toBe(200);
      expect((await a.c.get('/account/sessions')).body.sessions).toHaveLength(1);
      // Ended already: now it is unknown.
      const again = await a.c.post(`/account/sessions/${other.id}/end`);
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ error: 'Session not found', code: 'unknown_session' });
    });

    it("another customer's session id is 404 unknown_session, like a missing one, and ends nothing", async () => {
      const a = await customer();
      const b = await customer();
      const bSession = (await b.c.get('/account/sessions')).body.sessions[0].id;
      const r = await a.c.post(`/account/sessions/${bSession}/end`);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('unknown_session');
      const missing = await a.c.post('/account/sessions/999999999/end');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(r.body);
      expect((await b.c.get('/me')).status).toBe(200);
      expect(await countUserSessions(ctx().db.db, b.id)).toBe(1);
      expect(await countUserSessions(ctx().db.db, a.id)).toBe(1);
    });

    it('ending the current session signs out and clears the cookie', async () => {
      const a = await customer();
      const laptop = await secondDevice(a.username);
      const mine = (await a.c.get('/account/sessions')).body.sessions.find(
        (s: { current: boolean }) => s.current,
      );
      const r = await a.c.post(`/account/sessions/${mine.id}/end`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ signedOut: true });
      expect(a.c.cookies.has('smm_session')).toBe(false);
      expect((await a.c.get('/me')).status).toBe(401);
      expect((await laptop.get('/me')).status).toBe(200);
    });

    it('refuses without a session (401), without the CSRF token (403) and with a bad id (400)', async () => {
      const a = await customer();
      const laptop = await secondDevice(a.username);
      const other = (await laptop.get('/account/sessions')).body.sessions.find(
        (s: { current: boolean }) => s.current,
      );
      const nobody = new WebClient(app);
      expect((await nobody.get('/account/sessions')).status).toBe(401);
      expect((await nobody.post(`/account/sessions/${other.id}/end`)).status).toBe(401);
      const noCsrf = await a.c.post(`/account/sessions/${other.id}/end`, undefined, { csrf: false });
      expect(noCsrf.status).toBe(403);
      expect(noCsrf.body.code).toBe('csrf');
      for (const bad of ['abc', '0', '-1', '1.5']) {
        const r = await a.c.post(`/account/sessions/${bad}/end`);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('bad_request');
      }
      expect((await laptop.get('/me')).status).toBe(200);
    });
  });

  describe('funds history in pages', () => {
    it('pages cover every entry exactly once, newest first, with the right balance after each', async () => {
      const a = await customer();
      const db = ctx().db.db;
      // 23 entries, several sharing one timestamp: pages must still be stable (by entry id).
      let balance = 0n;
      for (let i = 1; i <= 23; i++) {
        const deduct = i % 5 === 0;
        const amount = deduct ? '-0.5' : `${i}.25`;
        const units = parseAmount(amount.replace('-', ''));
        if (units === null) throw new Error('bad amount');
        const r = await adjustFunds({
          db,
          actor: await adminActor(db),
          username: a.username,
          amountUnits: deduct ? -units : units,
          note: `entry ${i}`,
          now: 1_700_000_000_000 + Math.floor(i / 4) * 1000,
        });
        expect(r.ok).toBe(true);
        balance += deduct ? -units : units;
      }
      const seen: { id: number; note: string; balanceAfter: string; amount: string }[] = [];
      let before: number | null | undefined;
      let pages = 0;
      do {
        const r = await a.c.get(`/funds?limit=5${before ? `&before=${before}` : ''}`);
        expect(r.status).toBe(200);
        expect(r.body.entries.length).toBeLessThanOrEqual(5);
        seen.push(...r.body.entries);
        before = r.body.nextBefore;
        pages++;
      } while (before !== null);
      expect(pages).toBe(5);
      expect(seen).toHaveLength(23);
      expect(seen.map((e) => e.note)).toEqual(Array.from({ length: 23 }, (_, i) => `entry ${23 - i}`));
      expect(new Set(seen.map((e) => e.id)).size).toBe(23);
      // Walking from the oldest: each balance after is the previous one plus the amount.
      let running = 0n;
      for (const e of [...seen].reverse()) {
        const sign = e.amount.startsWith('-') ? -1n : 1n;
        running += sign * (parseAmount(e.amount.replace('-', '')) ?? 0n);
        expect(parseAmount(e.balanceAfter)).toBe(running);
      }
      expect(running).toBe(balance);
      const first = await a.c.get('/funds');
      expect(first.body.entries).toHaveLength(23);
      expect(first.body.nextBefore).toBeNull();
      expect(parseAmount(first.body.balance)).toBe(balance);
    });

    it("pages show only the caller's own entries, and the last page's nextBefore is null", async () => {
      const a = await customer('10');
      const b = await customer('20');
      const bEntry = (await b.c.get('/funds')).body.entries[0].id;
      const r = await a.c.get(`/funds?before=${bEntry + 1000}`);
      expect(r.body.entries).toHaveLength(1);
      expect(r.body.entries[0].amount).toBe('10.00');
      expect(r.body.nextBefore).toBeNull();
      const older = await a.c.get(`/funds?before=${r.body.entries[0].id}`);
      expect(older.body.entries).toEqual([]);
      expect(older.body.nextBefore).toBeNull();
    });

    it('refuses a bad limit or before (400) and answers 401 without a session', async () => {
      const a = await customer('1');
      for (const q of [
        'limit=0',
        'limit=101',
        'limit=x',
        'before=0',
        'before=-3',
        'before=abc',
        'before=1.5',
      ]) {
        const r = await a.c.get(`/funds?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.body.code).toBe('bad_request');
      }
      expect((await new WebClient(app).get('/funds?limit=5')).status).toBe(401);
    });
  });

  describe('tickets in pages', () => {
    it('pages by last update, newest first, covering every ticket once even with equal times', async () => {
      const a = await customer();
      const b = await customer();
      const db = ctx().db.db;
      const ids: number[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await openTicket({
          db,
          userId: a.id,
          subject: 'other',
          message: `question ${i}`,
          now: 1_700_000_000_000 + Math.floor(i / 3) * 1000,
        });
        if (!r.ok) throw new Error(r.failure.code);
        ids.push(r.value.ticketId);
      }
      await openTicket({ db, userId: b.id, subject: 'other', message: 'not yours' });
      // A reply moves a ticket to the top.
      const reply = await a.c.post(`/tickets/${ids[0]}/replies`, { message: 'any news?' });
      expect(reply.status).toBe(201);

      const seen: number[] = [];
      let before: string | null | undefined;
      let pages = 0;
      do {
        const r = await a.c.get(`/tickets?limit=5${before ? `&before=${encodeURIComponent(before)}` : ''}`);
        expect(r.status).toBe(200);
        seen.push(...r.body.tickets.map((t: { id: number }) => t.id));
        before = r.body.nextBefore;
        pages++;
      } while (before !== null);
      expect(pages).toBe(3);
      const rest = ids.slice(1).reverse();
      expect(seen).toEqual([ids[0], ...rest]);
      const all = await a.c.get('/tickets');
      expect(all.body.tickets.map((t: { id: number }) => t.id)).toEqual(seen);
      expect(all.body.nextBefore).toBeNull();
    });

    it('refuses a bad limit or before (400) and answers 401 without a session', async () => {
      const a = await customer();
      for (const q of [
        'limit=0',
        'limit=101',
        'before=abc',
        'before=12',
        'before=1_',
        'before=_1',
        'before=1_2_3',
      ]) {
        const r = await a.c.get(`/tickets?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.body.code).toBe('bad_request');
      }
      expect((await new WebClient(app).get('/tickets?limit=5')).status).toBe(401);
    });
  });

  describe('public services', () => {
    it('signed out: 401 while off (the default), the list prices while on; signed in: own rates', async () => {
      const db = ctx().db.db;
      const a = await customer();
      const rate = parseRate('1.2');
      if (rate === null) throw new Error('bad rate');
      expect(
        (
          await setUserRate({
            db,
            actor: await adminActor(db),
            username: a.username,
            serviceId,
            rateUnits: rate,
          })
        ).ok,
      ).toBe(true);
      const visitor = new WebClient(app);
      try {
        expect((await visitor.get('/panel')).body.publicServices).toBe(false);
        const off = await visitor.get('/services');
        expect(off.status).toBe(401);
        expect(off.body.code).toBe('no_session');
        const ownRate = (s: { services: { id: number; rate: string }[] }) =>
          s.services.find((x) => x.id === serviceId)?.rate;
        expect(ownRate((await a.c.get('/services')).body)).toBe('1.2');

        await setPublicServices(db, true);
        expect((await visitor.get('/panel')).body.publicServices).toBe(true);
        const on = await visitor.get('/services');
        expect(on.status).toBe(200);
        expect(on.body.currency).toBe('USD');
        expect(ownRate(on.body)).toBe('2.5');
        expect(on.body.services[0]).not.toHaveProperty('providerId');
        // The same customer signed out sees the list price, signed in their own rate.
        expect(ownRate((await a.c.get('/services')).body)).toBe('1.2');
        // An expired or unknown session cookie is a visitor, not an error.
        const stale = new WebClient(app);
        stale.cookies.set('smm_session', 'x'.repeat(43));
        expect(ownRate((await stale.get('/services')).body)).toBe('2.5');
        // Only the catalogue is public.
        expect((await visitor.get('/funds')).status).toBe(401);
        expect((await visitor.get('/orders')).status).toBe(401);
      } finally {
        await setPublicServices(db, false);
      }
      expect((await visitor.get('/services')).status).toBe(401);
    });
  });
});
