/**
 * The admin area's orders, refills and cancel requests (/api/admin/orders, /refills, /cancels) on
 * SQLite and Postgres, through the real HTTP face: the filters and pages of the list, one order's
 * page, a status set by hand (support only to Processing / In progress; the rest settles money and
 * is the admin's), review cases resolved (the order lands in review by a real upstream on 127.0.0.1
 * answering its send with HTTP 500, driven by the engine), the queues, every error answer and the
 * 401/403 matrix. Every staff change leaves exactly one audit entry; a refusal changes nothing and
 * writes none; the ledger moves exactly (a refund on Canceled).
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { footprint } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const A = '/api/admin';
let linkSeq = 0;
const newLink = (tag: string) => `https://instagram.com/p/${tag}-${process.pid}-${++linkSeq}`;

describeEachDb('admin orders API', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let adminName: string;
  let support: WebClient;
  let supportName: string;
  let customer: WebClient;
  let noSession: WebClient;
  let up: ScriptedUpstream;
  let providerId: number;
  /** Our service sent to the upstream (rate 4 per 1000). */
  let sentService: number;
  /** A service fulfilled by hand, with refills and cancels (rate 2 per 1000). */
  let handService: number;

  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const r = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: `${role}_${Date.now() % 1e6}_${++linkSeq}`, role },
    });
    if (!r.ok) throw new Error(r.failure.code);
    return {
      name: r.value.username,
      c: await signedInClient(app, db(), r.value.username, { password: PASSWORD }),
    };
  }

  async function audit(subject: string) {
    const r = await listAudit({ db: db(), actor: await adminActor(db()), filter: { subject, limit: 200 } });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries;
  }

  async function auditCount(): Promise<number> {
    const r = await listAudit({ db: db(), actor: await adminActor(db()), filter: { limit: 200 } });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries.length;
  }

  async function place(apiKey: string, service: number, quantity: number, link = newLink('o')) {
    const r = await callApi(app, { key: apiKey, action: 'add', service, link, quantity });
    if (typeof r.body.order !== 'number') throw new Error(`add refused: ${r.raw}`);
    return r.body.order as number;
  }

  async function row(id: number) {
    return db()
      .selectFrom('orders')
      .select(['status', 'dispatch_state', 'remains', 'refunded_units', 'provider_order_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** An order of `user` whose send failed with HTTP 500: the engine puts it in review. */
  async function inReview(apiKey: string, quantity = 250): Promise<number> {
    const id = await place(apiKey, sentService, quantity, newLink('review'));
    const e = makeEngine(db(), ctx().dialect, { httpTimeoutMs: 1000 });
    await e.until(async () => (await row(id)).dispatch_state === 'review', 5, 'review');
    return id;
  }

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    const a = await staff('admin');
    admin = a.c;
    adminName = a.name;
    const s = await staff('support');
    support = s.c;
    supportName = s.name;
    customer = await signedInClient(app, db(), (await seedUser(db(), '5')).username, { password: PASSWORD });
    noSession = new WebClient(app);

    up = await startScriptedUpstream({ services: [upstreamService(1, { rate: '4' })] });
    up.handlers.add = (p) =>
      /\/review-/.test(p.link ?? '')
        ? { status: 500, body: '{"order": 1}', type: 'application/json' }
        : undefined;
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('prov'),
      url: up.url,
      apiKey: up.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    providerId = p.value.id;
    const imported = await importServices({ db: db(), actor: SYSTEM, providerId, markupPercent: '0' });
    if (!imported.ok) throw new Error(JSON.stringify(imported.failure));
    const svc = await db()
      .selectFrom('services')
      .select('id')
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow();
    sentService = Number(svc.id);
    handService = await seedService(db(), { name: 'Hand Likes', rate: '2', refill: true, cancel: true });
  });
  afterAll(async () => {
    await app.close();
    await up?.close();
  });

  const ENDPOINTS: [method: 'get' | 'post', path: (id: number) => string, body?: unknown][] = [
    ['get', () => `${A}/orders`],
    ['get', (id) => `${A}/orders/${id}`],
    ['get', () => `${A}/refills`],
    ['get', () => `${A}/cancels`],
    ['post', (id) => `${A}/orders/${id}/status`, { status: 'in_progress' }],
    ['post', (id) => `${A}/refills/${id}/status`, { status: 'in_progress' }],
    ['post', (id) => `${A}/orders/${id}/status`, { status: 'canceled' }],
    ['post', (id) => `${A}/orders/${id}/review`, { resolution: 'cancel' }],
  ];

  describe('who may call', () => {
    it('no session: 401 no_session; a customer: 403 forbidden; on every endpoint, nothing changes', async () => {
      const u = await seedUser(db(), '5');
      const o = await place(u.apiKey, handService, 100);
      const before = await footprint(db(), u.id);
      const audits = await auditCount();
      for (const [client, status, code] of [
        [noSession, 401, 'no_session'],
        [customer, 403, 'forbidden'],
      ] as const) {
        for (const [m, p, b] of ENDPOINTS) {
          const r = m === 'get' ? await client.get(p(o)) : await client.post(p(o), b);
          expect([p(o), r.status, r.body.code]).toEqual([p(o), status, code]);
        }
      }
      expect((await row(o)).status).toBe('pending');
      expect(await footprint(db(), u.id)).toEqual(before);
      expect(await auditCount()).toBe(audits);
    });

    it('without the CSRF token every change is 403 csrf and changes nothing', async () => {
      const u = await seedUser(db(), '5');
      const o = await place(u.apiKey, handService, 100);
      const audits = await auditCount();
      for (const [m, p, b] of ENDPOINTS) {
        if (m !== 'post') continue;
        const r = await admin.post(p(o), b, { csrf: false });
        expect([p(o), r.status, r.body.code]).toEqual([p(o), 403, 'csrf']);
      }
      expect((await row(o)).status).toBe('pending');
      expect(await auditCount()).toBe(audits);
    });

    it('support reads everything and moves an order to Processing / In progress (audited as support)', async () => {
      const u = await seedUser(db(), '5');
      const o = await place(u.apiKey, handService, 100);
      for (const [m, p] of ENDPOINTS.slice(0, 4)) {
        expect([p(o), m, (await support.get(p(o))).status]).toEqual([p(o), m, 200]);
      }
      const moved = await support.post(`${A}/orders/${o}/status`, { status: 'processing', note: 'seen' });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({
        order: o,
        status: 'processing',
        remains: '100',
        refund: '0.00',
        charge: '0.20',
      });
      const r = await support.post(`${A}/orders/${o}/status`, { status: 'in_progress' });
      expect(r.body.status).toBe('in_progress');
      const log = await audit(`order:${o}`);
      expect(log.map((e) => [e.actor, e.via, e.action, e.after])).toEqual([
        [
          supportName,
          'web',
          'order.set_status',
          expect.objectContaining({ status: 'In progress', refund: '0.00' }),
        ],
        [supportName, 'web', 'order.set_status', expect.objectContaining({ status: 'Processing' })],
      ]);
      expect(log[1]?.note).toBe('seen');
    });

    it('support gets 403 forbidden for Completed, Partial, Canceled and every review resolution: nothing changes, no audit entry', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 100);
      const review = await inReview(u.apiKey);
      const before = await footprint(db(), u.id);
      const rows = [await row(o), await row(review)];
      const audits = await auditCount();
      for (const body of [
        { status: 'completed' },
        { status: 'partial', remains: '10' },
        { status: 'canceled' },
      ]) {
        const r = await support.post(`${A}/orders/${o}/status`, body);
        expect([body.status, r.status, r.body.code]).toEqual([body.status, 403, 'forbidden']);
      }
      for (const body of [
        { resolution: 'sent', providerOrderId: '123' },
        { resolution: 'not_sent' },
        { resolution: 'cancel' },
      ]) {
        const r = await support.post(`${A}/orders/${review}/review`, body);
        expect([body.resolution, r.status, r.body.code]).toEqual([body.resolution, 403, 'forbidden']);
      }
      expect([await row(o), await row(review)]).toEqual(rows);
      expect(await footprint(db(), u.id)).toEqual(before);
      expect(await auditCount()).toBe(audits);
    });
  });

  describe('the list', () => {
    it('filters by status, dispatch state, provider, service, user (id or name), days and search; newest first, in pages', async () => {
      const u = await seedUser(db(), '20');
      const other = await seedUser(db(), '20');
      const hand1 = await place(u.apiKey, handService, 100, newLink('alpha'));
      const hand2 = await place(u.apiKey, handService, 200, newLink('beta'));
      const review = await inReview(u.apiKey);
      const otherOrder = await place(other.apiKey, handService, 300);
      await admin.post(`${A}/orders/${hand2}/status`, { status: 'completed' });

      const ids = async (query: string) => {
        const r = await admin.get(`${A}/orders?${query}`);
        expect([query, r.status]).toEqual([query, 200]);
        return r.body.orders.map((x: { id: number }) => x.id);
      };
      expect(await ids(`user=${u.id}`)).toEqual([review, hand2, hand1]);
      expect(await ids(`user=${u.username}`)).toEqual([review, hand2, hand1]);
      expect(await ids(`user=${u.id}&status=completed`)).toEqual([hand2]);
      expect(await ids(`user=${u.id}&status=pending&service=${handService}`)).toEqual([hand1]);
      expect(await ids(`user=${u.id}&dispatch=review`)).toEqual([review]);
      expect(await ids(`dispatch=review&provider=${providerId}`)).toContain(review);
      expect(await ids(`provider=${providerId}&user=${u.id}`)).toEqual([review]);
      expect(await ids(`service=${handService}&user=${other.id}`)).toEqual([otherOrder]);
      expect(await ids(`user=${u.id}&q=ALPHA`)).toEqual([hand1]);
      expect(await ids(`q=%23${hand2}`)).toEqual([hand2]);
      expect(await ids(`q=${otherOrder}`)).toEqual([otherOrder]);
      const today = new Date().toISOString().slice(0, 10);
      expect(await ids(`user=${u.id}&from=${today}&to=${today}`)).toEqual([review, hand2, hand1]);
      expect(await ids(`user=${u.id}&to=2020-01-01`)).toEqual([]);
      expect(await ids(`user=${u.id}&from=2999-01-01`)).toEqual([]);

      const page1 = await admin.get(`${A}/orders?user=${u.id}&limit=2`);
      expect(page1.body.orders.map((x: { id: number }) => x.id)).toEqual([review, hand2]);
      expect(page1.body.nextBefore).toBe(hand2);
      const page2 = await admin.get(`${A}/orders?user=${u.id}&limit=2&before=${hand2}`);
      expect(page2.body.orders.map((x: { id: number }) => x.id)).toEqual([hand1]);
      expect(page2.body.nextBefore).toBe(null);

      const first = (await admin.get(`${A}/orders?user=${u.id}`)).body;
      expect(first.currency).toEqual(expect.any(String));
      expect(first.orders[0]).toEqual({
        id: review,
        user: { id: u.id, username: u.username },
        service: { id: sentService, name: expect.any(String) },
        link: expect.stringContaining('/review-'),
        quantity: '250',
        charge: '1.00',
        refunded: '0.00',
        status: 'pending',
        dispatch: 'review',
        provider: { id: providerId, name: expect.any(String) },
        upstreamOrder: null,
        cancelRequested: false,
        error: 'HTTP 500',
        createdAt: expect.any(String),
      });
      expect(first.orders[1]).toMatchObject({
        id: hand2,
        status: 'completed',
        dispatch: 'manual',
        provider: null,
      });
    });

    it('bad values: 400 bad_request; an unknown user, provider or service: 404', async () => {
      for (const q of [
        'status=done',
        'status=Pending',
        'dispatch=lost',
        'provider=abc',
        'provider=0',
        'service=-1',
        'from=2026-02-30',
        'to=2026/01/01',
        'from=yesterday',
        'limit=0',
        'limit=101',
        'before=x',
        `q=${'x'.repeat(201)}`,
      ]) {
        const r = await admin.get(`${A}/orders?${q}`);
        expect([q, r.status, r.body.code]).toEqual([q, 400, 'bad_request']);
      }
      for (const [q, code] of [
        ['user=999999999', 'unknown_user'],
        ['user=nobody_here_at_all', 'unknown_user'],
        ['provider=999999', 'unknown_provider'],
        ['service=999999', 'unknown_service'],
      ]) {
        const r = await admin.get(`${A}/orders?${q}`);
        expect([q, r.status, r.body.code]).toEqual([q, 404, code]);
      }
    });
  });

  describe('one order', () => {
    it('shows user, service, money, ledger entries, refills and cancel state; provider cost null when unknown', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 1000);
      expect(
        (await admin.post(`${A}/orders/${o}/status`, { status: 'completed', startCount: '77' })).status,
      ).toBe(200);
      const refill = await callApi(app, { key: u.apiKey, action: 'refill', order: o });
      const r = await support.get(`${A}/orders/${o}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: o,
        currency: expect.any(String),
        user: { id: u.id, username: u.username },
        service: { id: handService, name: 'Hand Likes' },
        provider: null,
        upstreamOrder: null,
        upstreamMessage: null,
        providerCost: null,
        attempts: 0,
        type: 'Default',
        params: null,
        quantity: '1000',
        status: 'completed',
        dispatch: 'manual',
        charge: '2.00',
        refunded: '0.00',
        remains: '0',
        startCount: '77',
        cancel: null,
        dripfeedRuns: [],
      });
      expect(
        r.body.ledger.map((e: { kind: string; amount: string; balanceAfter: string }) => [
          e.kind,
          e.amount,
          e.balanceAfter,
        ]),
      ).toEqual([['order_charge', '-2.00', '8.00']]);
      expect(r.body.refills).toEqual([
        expect.objectContaining({
          id: Number(refill.body.refill),
          order: o,
          status: 'pending',
          forwarding: 'manual',
        }),
      ]);
    });

    it('an order in review shows the provider, attempts and the upstream message', async () => {
      const u = await seedUser(db(), '10');
      const o = await inReview(u.apiKey);
      const r = await admin.get(`${A}/orders/${o}`);
      expect(r.body).toMatchObject({
        provider: { id: providerId },
        dispatch: 'review',
        upstreamMessage: 'HTTP 500',
        attempts: 1,
        providerCost: null,
      });
    });

    it('a sent order shows its upstream order id and what the provider reported it charges us', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, sentService, 250);
      const e = makeEngine(db(), ctx().dialect);
      await e.until(
        async () => {
          const r = await db()
            .selectFrom('orders')
            .select('provider_charge_units')
            .where('id', '=', o)
            .executeTakeFirstOrThrow();
          return r.provider_charge_units !== null;
        },
        10,
        'provider cost',
      );
      const r = await admin.get(`${A}/orders/${o}`);
      expect(r.body).toMatchObject({
        dispatch: 'sent',
        provider: { id: providerId },
        upstreamOrder: up.orderByLink(r.body.link)?.id,
        providerCost: '0.10',
        charge: '1.00',
      });
      // A cost is never shown for an order whose provider did not report one.
      const manual = await place(u.apiKey, handService, 100);
      expect((await admin.get(`${A}/orders/${manual}`)).body.providerCost).toBe(null);
    });

    it('unknown order: 404 unknown_order on each order endpoint; a bad id 400', async () => {
      for (const [m, p, b] of ENDPOINTS.filter((_, i) => [1, 4, 7].includes(i))) {
        const r = m === 'get' ? await admin.get(p(99_999_999)) : await admin.post(p(99_999_999), b);
        expect([p(99_999_999), r.status, r.body.code]).toEqual([p(99_999_999), 404, 'unknown_order']);
      }
      expect((await admin.get(`${A}/orders/abc`)).status).toBe(400);
      expect((await admin.get(`${A}/orders/0`)).status).toBe(400);
    });
  });

  describe('setting a status', () => {
    it('admin cancels: full refund in the ledger, one audit entry with the note', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 1000);
      const before = await footprint(db(), u.id);
      const r = await admin.post(`${A}/orders/${o}/status`, {
        status: 'canceled',
        note: 'customer asked by mail',
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        order: o,
        status: 'canceled',
        remains: '1000',
        refund: '2.00',
        charge: '2.00',
      });
      const after = await footprint(db(), u.id);
      expect(after.balanceUnits - before.balanceUnits).toBe(20_000_000n);
      expect(after.ledgerEntries).toBe(before.ledgerEntries + 1);
      const v = (await admin.get(`${A}/orders/${o}`)).body;
      expect(v.refunded).toBe('2.00');
      expect(
        v.ledger.map((e: { kind: string; amount: string; balanceAfter: string }) => [
          e.kind,
          e.amount,
          e.balanceAfter,
        ]),
      ).toEqual([
        ['order_charge', '-2.00', '8.00'],
        ['order_refund', '2.00', '10.00'],
      ]);
      const log = await audit(`order:${o}`);
      expect(log).toEqual([
        expect.objectContaining({
          actor: adminName,
          via: 'web',
          action: 'order.set_status',
          before: expect.objectContaining({ status: 'Pending' }),
          after: expect.objectContaining({ status: 'Canceled', refund: '2.00' }),
          note: 'customer asked by mail',
        }),
      ]);
      expect((await checkLedger({ db: db() })).problems).toEqual([]);
    });

    it('admin sets Partial with remains: the undelivered part is refunded exactly', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 1000);
      const before = await footprint(db(), u.id);
      const r = await admin.post(`${A}/orders/${o}/status`, { status: 'partial', remains: '250' });
      expect(r.body).toEqual({ order: o, status: 'partial', remains: '250', refund: '0.50', charge: '2.00' });
      expect((await footprint(db(), u.id)).balanceUnits - before.balanceUnits).toBe(5_000_000n);
      expect((await audit(`order:${o}`)).length).toBe(1);
    });

    it('refusals change nothing and write no audit entry', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 1000);
      const review = await inReview(u.apiKey);
      const ended = await place(u.apiKey, handService, 100);
      await admin.post(`${A}/orders/${ended}/status`, { status: 'completed' });
      const before = await footprint(db(), u.id);
      const audits = await auditCount();
      const cases: [number, unknown, number, string][] = [
        [o, { status: 'pending' }, 400, 'bad_request'],
        [o, { status: 'Completed' }, 400, 'bad_request'],
        [o, {}, 400, 'bad_request'],
        [o, { status: 'partial', remains: '-1' }, 400, 'bad_request'],
        [o, { status: 'partial', remains: 'ten' }, 400, 'bad_request'],
        [o, { status: 'partial' }, 422, 'partial_needs_remains'],
        [o, { status: 'partial', remains: '0' }, 422, 'partial_remains_zero'],
        [o, { status: 'partial', remains: '1001' }, 422, 'remains_out_of_range'],
        [ended, { status: 'canceled' }, 422, 'conflict'],
        [review, { status: 'canceled' }, 409, 'order_at_provider'],
      ];
      for (const [id, body, status, code] of cases) {
        const r = await admin.post(`${A}/orders/${id}/status`, body);
        expect([body, r.status, r.body.code]).toEqual([body, status, code]);
      }
      expect(await footprint(db(), u.id)).toEqual(before);
      expect(await auditCount()).toBe(audits);
      expect((await row(o)).status).toBe('pending');
    });
  });

  describe('review cases', () => {
    it('sent: follows the upstream order id (Processing, sent), audited by the admin', async () => {
      const u = await seedUser(db(), '10');
      const o = await inReview(u.apiKey);
      const before = await footprint(db(), u.id);
      const r = await admin.post(`${A}/orders/${o}/review`, {
        resolution: 'sent',
        providerOrderId: '998877',
        note: 'found it on their site',
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ order: o, resolution: 'sent', status: 'processing', dispatch: 'sent' });
      expect(await row(o)).toMatchObject({ provider_order_id: '998877', dispatch_state: 'sent' });
      expect(await footprint(db(), u.id)).toEqual(before);
      expect(await audit(`order:${o}`)).toEqual([
        expect.objectContaining({
          actor: adminName,
          via: 'web',
          action: 'order.resolve_review',
          after: expect.objectContaining({ resolution: 'sent', upstreamOrderId: '998877' }),
          note: 'found it on their site',
        }),
      ]);
      // Resolved once: a second resolution is refused.
      const again = await admin.post(`${A}/orders/${o}/review`, { resolution: 'cancel' });
      expect([again.status, again.body.code]).toEqual([409, 'not_in_review']);
    });

    it('not sent: queued to be sent again, no money moves', async () => {
      const u = await seedUser(db(), '10');
      const o = await inReview(u.apiKey);
      const before = await footprint(db(), u.id);
      const r = await admin.post(`${A}/orders/${o}/review`, { resolution: 'not_sent' });
      expect(r.body).toEqual({ order: o, resolution: 'not_sent', status: 'pending', dispatch: 'queued' });
      expect(await footprint(db(), u.id)).toEqual(before);
      expect((await audit(`order:${o}`)).map((e) => e.action)).toEqual(['order.resolve_review']);
    });

    it('cancel: Canceled with a full refund in the ledger', async () => {
      const u = await seedUser(db(), '10');
      const o = await inReview(u.apiKey, 500);
      const before = await footprint(db(), u.id);
      const r = await admin.post(`${A}/orders/${o}/review`, { resolution: 'cancel' });
      expect(r.body).toEqual({ order: o, resolution: 'cancel', status: 'canceled', dispatch: 'closed' });
      const after = await footprint(db(), u.id);
      expect(after.balanceUnits - before.balanceUnits).toBe(20_000_000n);
      expect(after.ledgerEntries).toBe(before.ledgerEntries + 1);
      expect((await admin.get(`${A}/orders/${o}`)).body.refunded).toBe('2.00');
      expect((await checkLedger({ db: db() })).problems).toEqual([]);
    });

    it('refusals: bad resolution 400, a bad upstream id 422, not in review 409; nothing changes', async () => {
      const u = await seedUser(db(), '10');
      const o = await inReview(u.apiKey);
      const manual = await place(u.apiKey, handService, 100);
      const audits = await auditCount();
      const before = await footprint(db(), u.id);
      const cases: [number, unknown, number, string][] = [
        [o, { resolution: 'maybe' }, 400, 'bad_request'],
        [o, {}, 400, 'bad_request'],
        [o, { resolution: 'sent', providerOrderId: 'x'.repeat(65) }, 400, 'bad_request'],
        [o, { resolution: 'sent' }, 422, 'invalid_upstream_order_id'],
        [o, { resolution: 'sent', providerOrderId: 'has space' }, 422, 'invalid_upstream_order_id'],
        [manual, { resolution: 'cancel' }, 409, 'not_in_review'],
      ];
      for (const [id, body, status, code] of cases) {
        const r = await admin.post(`${A}/orders/${id}/review`, body);
        expect([body, r.status, r.body.code]).toEqual([body, status, code]);
      }
      expect((await row(o)).dispatch_state).toBe('review');
      expect(await footprint(db(), u.id)).toEqual(before);
      expect(await auditCount()).toBe(audits);
    });
  });

  describe('queues', () => {
    it('refills: open ones, by status, in pages; support moves one (audited); refusals change nothing', async () => {
      const u = await seedUser(db(), '10');
      const made: number[] = [];
      for (let i = 0; i < 3; i++) {
        const o = await place(u.apiKey, handService, 100);
        await admin.post(`${A}/orders/${o}/status`, { status: 'completed' });
        const r = await callApi(app, { key: u.apiKey, action: 'refill', order: o });
        made.push(Number(r.body.refill));
      }
      const [r1, r2, r3] = made as [number, number, number];
      const open = await admin.get(`${A}/refills?status=open&limit=100`);
      expect(open.status).toBe(200);
      const openIds = open.body.refills.map((x: { id: number }) => x.id);
      expect(openIds.slice(0, 3)).toEqual([r3, r2, r1]);
      const page = await admin.get(`${A}/refills?limit=1&before=${r3}`);
      expect(page.body.refills.map((x: { id: number }) => x.id)).toEqual([r2]);
      expect(page.body.nextBefore).toBe(r2);

      const moved = await support.post(`${A}/refills/${r1}/status`, { status: 'in_progress' });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({ refill: r1, from: 'pending', status: 'in_progress' });
      expect((await audit(`refill:${r1}`)).map((e) => [e.actor, e.action])).toEqual([
        [supportName, 'refill.set_status'],
      ]);
      const done = await admin.post(`${A}/refills/${r2}/status`, { status: 'completed' });
      expect(done.body.status).toBe('completed');
      const inProgress = await admin.get(`${A}/refills?status=in_progress&limit=100`);
      expect(inProgress.body.refills.map((x: { id: number }) => x.id)).toContain(r1);
      expect(inProgress.body.refills.every((x: { status: string }) => x.status === 'in_progress')).toBe(true);

      const audits = await auditCount();
      for (const [id, body, status, code] of [
        [r2, { status: 'pending' }, 422, 'conflict'],
        [r3, { status: 'done' }, 400, 'bad_request'],
        [99_999_999, { status: 'completed' }, 404, 'unknown_refill'],
      ] as const) {
        const r = await admin.post(`${A}/refills/${id}/status`, body);
        expect([id, r.status, r.body.code]).toEqual([id, status, code]);
      }
      expect((await admin.get(`${A}/refills?status=lost`)).status).toBe(400);
      expect(await auditCount()).toBe(audits);
    });

    it('cancel requests: the waiting ones, oldest first; gone once the order is canceled', async () => {
      const u = await seedUser(db(), '10');
      const o = await place(u.apiKey, handService, 100);
      expect((await callApi(app, { key: u.apiKey, action: 'cancel', orders: String(o) })).body).toEqual([
        { order: o, cancel: 'Your cancellation request has been received.' },
      ]);
      const list = await support.get(`${A}/cancels`);
      expect(list.status).toBe(200);
      expect(list.body.cancels).toContainEqual({
        order: o,
        username: u.username,
        service: 'Hand Likes',
        status: 'pending',
        requestedAt: expect.any(String),
        state: 'waiting',
      });
      expect((await admin.get(`${A}/orders?user=${u.id}`)).body.orders[0].cancelRequested).toBe(true);
      await admin.post(`${A}/orders/${o}/status`, { status: 'canceled' });
      const after = await admin.get(`${A}/cancels`);
      expect(after.body.cancels.map((c: { order: number }) => c.order)).not.toContain(o);
    });
  });
});
