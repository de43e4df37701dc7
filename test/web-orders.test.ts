/**
 * The Orders pages' endpoints (/api/web/orders?q=, /orders/{id}, /refills) on SQLite and Postgres:
 * search by id and by link (wildcards matched literally, any case), combined with status and pages;
 * one order's page with its drip-feed runs, its subscription state and paid posts, and its refills;
 * the refills list; every error answer; and isolation: another customer's order is never found, by
 * search or by id, and their refills are never listed.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db/transaction.js';
import { insertRun } from '../src/orders/dripfeed.repo.js';
import { findOrder } from '../src/orders/orders.repo.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { payDeliveredPostsInTx } from '../src/orders/subscription-reserve.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
let seq = 0;

describeEachDb('web orders pages', (ctx) => {
  let app: FastifyInstance;
  let plain: number;
  let refillable: number;
  let dripfeed: number;
  let subscriptions: number;
  const db = () => ctx().db.db;

  beforeAll(async () => {
    app = await makeApi(db(), {});
    plain = await seedService(db(), { rate: '1', min: 10, max: 10000, cancel: true });
    refillable = await seedService(db(), { name: 'Likes', rate: '1.5', refill: true });
    dripfeed = await seedService(db(), { name: 'Views', rate: '0.73', dripfeed: true });
    subscriptions = await seedService(db(), {
      name: 'Auto likes',
      type: 'Subscriptions',
      rate: '2',
      min: 10,
      max: 1000,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  async function customer(balance = '100') {
    const u = await seedUser(db(), balance);
    const c = await signedInClient(app, db(), u.username, { password: PASSWORD });
    return { ...u, c };
  }

  async function place(c: WebClient, fields: Record<string, unknown>): Promise<number> {
    const r = await c.post('/orders', { idempotencyKey: `web-orders-${process.pid}-${++seq}`, ...fields });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.order as number;
  }
  const ids = (r: { body: { orders: { id: number }[] } }) => r.body.orders.map((o) => o.id);

  describe('search', () => {
    it('finds an order by its id (digits or #digits), only among the caller’s own', async () => {
      const a = await customer();
      const b = await customer();
      const mine = await place(a.c, { service: plain, link: 'https://x.com/a', quantity: '100' });
      await place(a.c, { service: plain, link: `https://x.com/${mine}`, quantity: '100' });
      const theirs = await place(b.c, { service: plain, link: 'https://x.com/b', quantity: '100' });

      // A number is an order id, exactly: the link that contains the digits is not a match.
      expect(ids(await a.c.get(`/orders?q=${mine}`))).toEqual([mine]);
      expect(ids(await a.c.get(`/orders?q=%23${mine}`))).toEqual([mine]);
      expect(ids(await a.c.get(`/orders?q=${theirs}`))).toEqual([]);
      expect(ids(await b.c.get(`/orders?q=${mine}`))).toEqual([]);
      expect(ids(await a.c.get('/orders?q=99999999'))).toEqual([]);
    });

    it('finds orders by a part of the link, any case, with % and _ matched as themselves', async () => {
      const a = await customer();
      const b = await customer();
      const pct = await place(a.c, {
        service: plain,
        link: 'https://Shop.example/p?off=50%_now',
        quantity: '100',
      });
      const other = await place(a.c, {
        service: plain,
        link: 'https://shop.example/p?off=500Xnow',
        quantity: '100',
      });
      const under = await place(a.c, { service: plain, link: 'https://x.com/my_name', quantity: '100' });
      const noUnder = await place(a.c, { service: plain, link: 'https://x.com/myXname', quantity: '100' });
      await place(b.c, { service: plain, link: 'https://shop.example/p?off=50%_now', quantity: '100' });

      const q = (text: string) => a.c.get(`/orders?q=${encodeURIComponent(text)}`);
      expect(ids(await q('SHOP.EXAMPLE'))).toEqual([other, pct]);
      expect(ids(await q('50%_'))).toEqual([pct]);
      expect(ids(await q('%'))).toEqual([pct]);
      expect(ids(await q('my_name'))).toEqual([under]);
      expect(ids(await q('_'))).toEqual([under, pct]);
      expect(ids(await q('myXname'))).toEqual([noUnder]);
      // The escape character is a plain character too.
      expect(ids(await q('\\'))).toEqual([]);
      expect(ids(await q('\\%'))).toEqual([]);
      expect(ids(await q('  x.com/MY  '))).toEqual([noUnder, under]);
      expect(ids(await q('nothing-like-this'))).toEqual([]);
      // The other customer's identical link is never found.
      const theirs = await b.c.get(`/orders?q=${encodeURIComponent('50%_')}`);
      expect(theirs.body.orders).toHaveLength(1);
      expect(ids(theirs)).not.toContain(pct);
    });

    it('combines with the status tab and with pages', async () => {
      const a = await customer();
      const placed: number[] = [];
      for (let i = 0; i < 5; i++)
        placed.push(await place(a.c, { service: plain, link: `https://tik.tok/v/${i}`, quantity: '100' }));
      await place(a.c, { service: plain, link: 'https://insta.gram/p', quantity: '100' });
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: placed[1] as number,
        change: { status: 'completed' },
      });

      const first = await a.c.get('/orders?q=tik.tok&limit=2');
      expect(ids(first)).toEqual([placed[4], placed[3]]);
      expect(first.body.nextBefore).toBe(placed[3]);
      const second = await a.c.get(`/orders?q=tik.tok&limit=2&before=${first.body.nextBefore}`);
      expect(ids(second)).toEqual([placed[2], placed[1]]);
      const third = await a.c.get(`/orders?q=tik.tok&limit=2&before=${second.body.nextBefore}`);
      expect(ids(third)).toEqual([placed[0]]);
      expect(third.body.nextBefore).toBeNull();

      expect(ids(await a.c.get('/orders?q=tik.tok&status=completed'))).toEqual([placed[1]]);
      expect(ids(await a.c.get('/orders?q=insta&status=completed'))).toEqual([]);
      expect(ids(await a.c.get(`/orders?q=${placed[1]}&status=pending`))).toEqual([]);
    });

    it('refuses a search that is too long or empty, and a bad limit, with 400', async () => {
      const a = await customer();
      for (const path of [
        `/orders?q=${'a'.repeat(201)}`,
        '/orders?q=',
        '/orders?q=%20%20',
        '/orders?limit=0',
        '/orders?limit=101',
        '/orders?status=lost',
        '/refills?limit=0',
        '/refills?before=abc',
      ]) {
        const r = await a.c.get(path);
        expect([path, r.status, r.body.code]).toEqual([path, 400, 'bad_request']);
      }
      expect((await a.c.get(`/orders?q=${'a'.repeat(200)}`)).status).toBe(200);
    });
  });

  describe('one order', () => {
    it('shows a drip-feed order with each run: quantity, status, start count, remains, charge, date', async () => {
      const a = await customer();
      const id = await place(a.c, {
        service: dripfeed,
        link: 'https://x.com/v',
        quantity: '1000',
        runs: '3',
        interval: '10',
      });
      // The engine places runs as child orders of the order (worker/dripfeed.ts does the same).
      const parent = await findOrder(db(), id);
      if (!parent) throw new Error('no order');
      await insertRun(db(), { parent, runIndex: 1, now: Date.now() - 60_000 });
      await insertRun(db(), { parent, runIndex: 2, now: Date.now() });
      const runs = await db()
        .selectFrom('orders')
        .select(['id', 'run_index'])
        .where('parent_order_id', '=', id)
        .orderBy('run_index')
        .execute();
      const [run1, run2] = runs.map((r) => Number(r.id));
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: run1 as number,
        change: { status: 'completed', remains: 0n, startCount: 1500n },
        force: true,
      });
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: run2 as number,
        change: { status: 'partial', remains: 400n, startCount: 2500n },
        force: true,
      });

      const r = await a.c.get(`/orders/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.order).toMatchObject({
        id,
        runs: 3,
        interval: 10,
        quantity: '1000',
        charge: '2.19',
        link: 'https://x.com/v',
        username: null,
      });
      expect(r.body.subscription).toBeNull();
      expect(r.body.runs).toEqual([
        expect.objectContaining({
          run: 1,
          quantity: '1000',
          status: 'Completed',
          startCount: '1500',
          remains: '0',
          charge: '0.73',
        }),
        expect.objectContaining({
          run: 2,
          quantity: '1000',
          status: 'Partial',
          startCount: '2500',
          remains: '400',
          charge: '0.438',
        }),
      ]);
      expect(r.body.payments).toEqual([expect.objectContaining({ kind: 'order_charge', amount: '-2.19' })]);
      // The runs are the engine's: never an order of their own for the customer.
      expect((await a.c.get(`/orders/${run1}`)).status).toBe(404);
      expect(ids(await a.c.get(`/orders?q=${run1}`))).toEqual([]);
      expect(ids(await a.c.get('/orders'))).toEqual([id]);
    });

    it('shows a subscription: username, min/max, posts done and paid, expiry, delay', async () => {
      const a = await customer('10');
      const id = await place(a.c, {
        service: subscriptions,
        username: 'someone',
        min: '100',
        max: '200',
        delay: '30',
        expiry: '31/12/2099',
      });
      const before = await a.c.get(`/orders/${id}`);
      expect(before.body.subscription).toEqual({
        username: 'someone',
        min: 100,
        max: 200,
        posts: null,
        postsDone: 0,
        oldPosts: 0,
        delay: 30,
        expiry: '31/12/2099',
      });
      expect(before.body.runs).toBeNull();
      expect(before.body.order).toMatchObject({ link: null, username: 'someone' });
      // Three posts delivered, as the engine's sync pays them (worker/sync.ts).
      await inTransaction(db(), async (tx) => {
        const o = await findOrder(tx, id);
        if (!o) throw new Error('no order');
        await payDeliveredPostsInTx(tx, o, 3n, { ended: false, now: Date.now() });
      });
      const after = await a.c.get(`/orders/${id}`);
      expect(after.body.subscription).toMatchObject({ postsDone: 3, posts: null });
      expect(after.body.order.charge).toBe('1.20');
      expect(after.body.payments).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'order_charge', amount: '-1.20' })]),
      );

      const limited = await place(a.c, {
        service: subscriptions,
        username: 'other',
        min: '10',
        max: '20',
        posts: '5',
      });
      const l = await a.c.get(`/orders/${limited}`);
      expect(l.body.subscription).toMatchObject({
        username: 'other',
        posts: 5,
        postsDone: 0,
        expiry: null,
        delay: 0,
      });
    });

    it("shows an order's refills and the buttons the list shows; another's order is 404 like a missing one", async () => {
      const a = await customer();
      const b = await customer();
      const id = await place(a.c, { service: refillable, link: 'https://x.com/r', quantity: '100' });
      const fresh = await a.c.get(`/orders/${id}`);
      expect(fresh.body.order).toMatchObject({ canRefill: false, canCancel: false, status: 'Pending' });
      expect(fresh.body.refills).toEqual([]);
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: id,
        change: { status: 'completed' },
      });
      expect((await a.c.get(`/orders/${id}`)).body.order.canRefill).toBe(true);
      const refill = await a.c.post(`/orders/${id}/refill`);
      expect(refill.status).toBe(201);
      const shown = await a.c.get(`/orders/${id}`);
      expect(shown.body.order.canRefill).toBe(false);
      expect(shown.body.refills).toEqual([
        expect.objectContaining({ id: refill.body.refill, order: id, status: 'Pending' }),
      ]);

      const cancelable = await place(a.c, { service: plain, link: 'https://x.com/c', quantity: '100' });
      expect((await a.c.get(`/orders/${cancelable}`)).body.order.canCancel).toBe(true);

      for (const path of [`/orders/${id}`, '/orders/99999999']) {
        const r = await b.c.get(path);
        expect([path, r.status, r.body]).toEqual([
          path,
          404,
          { error: 'Incorrect order ID', code: 'unknown_order' },
        ]);
      }
      for (const path of ['/orders/0', '/orders/abc', '/orders/-1', '/orders/1e99']) {
        const r = await a.c.get(path);
        expect([path, r.status, r.body.code]).toEqual([path, 400, 'bad_request']);
      }
    });
  });

  describe('refills', () => {
    it("lists the caller's refills newest first, a page at a time, never another's", async () => {
      const a = await customer();
      const b = await customer();
      const refills: number[] = [];
      const orders: number[] = [];
      for (let i = 0; i < 3; i++) {
        const id = await place(a.c, { service: refillable, link: `https://x.com/${i}`, quantity: '100' });
        await setOrderStatus({
          db: db(),
          actor: await adminActor(db()),
          orderId: id,
          change: { status: 'completed' },
        });
        const r = await a.c.post(`/orders/${id}/refill`);
        expect(r.status).toBe(201);
        refills.push(r.body.refill);
        orders.push(id);
      }
      const theirs = await place(b.c, { service: refillable, link: 'https://x.com/b', quantity: '100' });
      await setOrderStatus({
        db: db(),
        actor: await adminActor(db()),
        orderId: theirs,
        change: { status: 'completed' },
      });
      const theirRefill = (await b.c.post(`/orders/${theirs}/refill`)).body.refill as number;

      const first = await a.c.get('/refills?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.refills).toEqual([
        expect.objectContaining({ id: refills[2], order: orders[2], status: 'Pending' }),
        expect.objectContaining({ id: refills[1], order: orders[1], status: 'Pending' }),
      ]);
      expect(first.body.nextBefore).toBe(refills[1]);
      const second = await a.c.get(`/refills?limit=2&before=${first.body.nextBefore}`);
      expect(second.body.refills.map((r: { id: number }) => r.id)).toEqual([refills[0]]);
      expect(second.body.nextBefore).toBeNull();

      const bs = await b.c.get('/refills');
      expect(bs.body.refills.map((r: { id: number }) => r.id)).toEqual([theirRefill]);
      expect((await (await customer()).c.get('/refills')).body).toEqual({ refills: [], nextBefore: null });
    });
  });

  it('without a session every new endpoint is 401', async () => {
    const c = new WebClient(app);
    for (const path of ['/orders?q=abc', '/orders/1', '/refills']) {
      const r = await c.get(path);
      expect([path, r.status, r.body.code]).toEqual([path, 401, 'no_session']);
    }
  });
});
