/**
 * API v2, action by action, through the real HTTP stack on SQLite and Postgres: the exact shapes of
 * services, balance, status, refill, refill_status and cancel; who may see what; the state rules of
 * refills and cancels; and how settlement shows in the answers and the balance.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateApiKey } from '../src/accounts/rotate-key.js';
import { SYSTEM } from '../src/audit/actor.js';
import { setUserRate } from '../src/catalog/set-user-rate.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { parseRate } from '../src/money.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { setRefillStatus } from '../src/refills/set-refill-status.js';
import { setCurrency } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { footprint, moveOrder, orderOf } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';

const LINK = 'https://instagram.com/p/abc';
const REFILL_MSG = 'Your refill request has been received, please wait.';
const CANCEL_MSG = 'Your cancellation request has been received.';
/** An id far above anything these suites create: "does not exist". */
const MISSING_ID = 987654321;

describeEachDb('API v2 actions', (ctx) => {
  let app: FastifyInstance;
  const db = () => ctx().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
  });
  afterAll(async () => {
    await app.close();
  });

  const api = (params: Record<string, string | number>) => callApi(app, params);

  /** Place a Default order and return its id (fails the test if refused). */
  async function place(key: string, service: number, quantity: number | string): Promise<number> {
    const r = await api({ key, action: 'add', service, link: LINK, quantity });
    expect(r.body).toEqual({ order: expect.any(Number) });
    return r.body.order as number;
  }

  async function balanceOf(key: string): Promise<string> {
    const r = await api({ key, action: 'balance' });
    return r.body.balance;
  }

  async function setRefill(refillId: number, status: 'in_progress' | 'completed' | 'rejected' | 'canceled') {
    const r = await setRefillStatus({ db: db(), actor: SYSTEM, refillId, status });
    expect(r.ok).toBe(true);
  }

  describe('services', () => {
    it('lists every enabled service in the reference shape: number id, string rate/min/max, boolean flags', async () => {
      const user = await seedUser(db());
      const category = uniqueName('cat');
      const followers = await seedService(db(), {
        name: 'Followers',
        category,
        type: 'Default',
        rate: '0.73',
        min: 100,
        max: 10000,
        dripfeed: true,
        refill: true,
        description: 'Real followers, 30 days refill',
      });
      const comments = await seedService(db(), {
        name: 'Comments',
        category,
        type: 'Custom Comments',
        rate: '12',
        min: 10,
        max: 2500,
        cancel: true,
      });
      const subs = await seedService(db(), {
        name: 'Auto likes',
        category,
        type: 'Subscriptions',
        rate: '0.0005',
        min: 1,
        max: 1000000000000,
      });
      const res = await api({ key: user.apiKey, action: 'services' });
      expect(res.statusCode).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      const mine = res.body.filter((s: { category: string }) => s.category === category);
      expect(mine).toStrictEqual([
        {
          service: followers,
          name: 'Followers',
          type: 'Default',
          category,
          rate: '0.73',
          min: '100',
          max: '10000',
          dripfeed: true,
          refill: true,
          cancel: false,
          description: 'Real followers, 30 days refill',
          desc: 'Real followers, 30 days refill',
        },
        {
          service: comments,
          name: 'Comments',
          type: 'Custom Comments',
          category,
          rate: '12',
          min: '10',
          max: '2500',
          dripfeed: false,
          refill: false,
          cancel: true,
          description: '',
          desc: '',
        },
        {
          service: subs,
          name: 'Auto likes',
          type: 'Subscriptions',
          category,
          rate: '0.0005',
          min: '1',
          max: '1000000000000',
          dripfeed: false,
          refill: false,
          cancel: false,
          description: '',
          desc: '',
        },
      ]);
    });

    it('a disabled service is hidden from services and cannot be ordered, and the refusal changes nothing', async () => {
      const user = await seedUser(db(), '10');
      const category = uniqueName('cat');
      const on = await seedService(db(), { category, name: 'On' });
      const off = await seedService(db(), { category, name: 'Off' });
      await db().updateTable('services').set({ enabled: 0 }).where('id', '=', off).execute();
      const res = await api({ key: user.apiKey, action: 'services' });
      const ids = res.body.map((s: { service: number }) => s.service);
      expect(ids).toContain(on);
      expect(ids).not.toContain(off);
      const before = await footprint(db(), user.id);
      const add = await api({ key: user.apiKey, action: 'add', service: off, link: LINK, quantity: 100 });
      expect(add.body).toEqual({ error: 'Incorrect service ID' });
      expect(await footprint(db(), user.id)).toEqual(before);
    });

    it('a per-user rate shows in that user’s services only, is what add charges, and stays on the order', async () => {
      const category = uniqueName('cat');
      const svc = await seedService(db(), { category, rate: '1.00', min: 10, max: 100000 });
      const vip = await seedUser(db(), '10');
      const other = await seedUser(db(), '10');
      const set = await setUserRate({
        db: db(),
        actor: await adminActor(db()),
        username: vip.username,
        serviceId: svc,
        rateUnits: parseRate('0.5555'),
      });
      expect(set.ok).toBe(true);

      const rateSeenBy = async (key: string) => {
        const r = await api({ key, action: 'services' });
        return r.body.find((s: { service: number }) => s.service === svc)?.rate;
      };
      expect(await rateSeenBy(vip.apiKey)).toBe('0.5555');
      expect(await rateSeenBy(other.apiKey)).toBe('1');

      const vipOrder = await place(vip.apiKey, svc, 1000);
      const otherOrder = await place(other.apiKey, svc, 1000);
      expect((await api({ key: vip.apiKey, action: 'status', order: vipOrder })).body.charge).toBe('0.5555');
      expect((await api({ key: other.apiKey, action: 'status', order: otherOrder })).body.charge).toBe(
        '1.00',
      );
      expect(await balanceOf(vip.apiKey)).toBe('9.4445');
      expect(await balanceOf(other.apiKey)).toBe('9.00');

      // Removing the custom rate restores the base rate for new orders...
      const unset = await setUserRate({
        db: db(),
        actor: await adminActor(db()),
        username: vip.username,
        serviceId: svc,
        rateUnits: null,
      });
      expect(unset.ok).toBe(true);
      expect(await rateSeenBy(vip.apiKey)).toBe('1');
      const later = await place(vip.apiKey, svc, 1000);
      expect((await api({ key: vip.apiKey, action: 'status', order: later })).body.charge).toBe('1.00');
      // ...while the earlier order is still settled at the rate it was bought at: 100 × 0.5555 / 1000.
      await moveOrder(db(), vipOrder, 'partial', { remains: 100n });
      expect((await api({ key: vip.apiKey, action: 'status', order: vipOrder })).body.charge).toBe('0.49995');
      expect(await balanceOf(vip.apiKey)).toBe('8.50005');
    });
  });

  describe('balance', () => {
    it('answers the balance as an exact decimal string with the panel currency', async () => {
      const empty = await seedUser(db());
      expect((await api({ key: empty.apiKey, action: 'balance' })).body).toStrictEqual({
        balance: '0.00',
        currency: 'USD',
      });
      const rich = await seedUser(db(), '128.60633');
      expect((await api({ key: rich.apiKey, action: 'balance' })).body).toStrictEqual({
        balance: '128.60633',
        currency: 'USD',
      });
    });

    it('shows the currency the operator set, in balance and status answers', async () => {
      const user = await seedUser(db(), '5');
      const svc = await seedService(db(), { rate: '2' });
      const order = await place(user.apiKey, svc, 100);
      expect(await setCurrency(db(), 'EUR')).toBe(true);
      try {
        expect((await api({ key: user.apiKey, action: 'balance' })).body).toStrictEqual({
          balance: '4.80',
          currency: 'EUR',
        });
        expect((await api({ key: user.apiKey, action: 'status', order })).body.currency).toBe('EUR');
      } finally {
        await setCurrency(db(), 'USD');
      }
    });
  });

  describe('status', () => {
    it('answers one order with charge, start_count, status, remains and currency, all strings', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '0.6579', min: 1, max: 100000 });
      const order = await place(user.apiKey, svc, 1000);
      const res = await api({ key: user.apiKey, action: 'status', order });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual({
        charge: '0.6579',
        start_count: '0',
        status: 'Pending',
        remains: '1000',
        currency: 'USD',
      });
      await moveOrder(db(), order, 'processing');
      expect((await api({ key: user.apiKey, action: 'status', order })).body.status).toBe('Processing');
      await moveOrder(db(), order, 'in_progress', { startCount: 12n, remains: 200n });
      expect((await api({ key: user.apiKey, action: 'status', order: String(order) })).body).toStrictEqual({
        charge: '0.6579',
        start_count: '12',
        status: 'In progress',
        remains: '200',
        currency: 'USD',
      });
      await moveOrder(db(), order, 'completed');
      expect((await api({ key: user.apiKey, action: 'status', order })).body).toStrictEqual({
        charge: '0.6579',
        start_count: '12',
        status: 'Completed',
        remains: '0',
        currency: 'USD',
      });
    });

    it('answers "Incorrect order ID" for an id that does not exist or is not a positive integer', async () => {
      const user = await seedUser(db());
      for (const order of [
        String(MISSING_ID),
        '999999999999999',
        '0',
        '-1',
        '1.5',
        'abc',
        '1e3',
        '9999999999999999',
      ]) {
        expect((await api({ key: user.apiKey, action: 'status', order })).body, order).toStrictEqual({
          error: 'Incorrect order ID',
        });
      }
      expect((await api({ key: user.apiKey, action: 'status' })).body).toStrictEqual({
        error: 'Missing parameter: order',
      });
    });

    it('answers many orders keyed by the id as sent, with an error object in place of each bad one', async () => {
      const user = await seedUser(db(), '10');
      const stranger = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '1.5', min: 10, max: 10000 });
      const a = await place(user.apiKey, svc, 100);
      const b = await place(user.apiKey, svc, 200);
      const theirs = await place(stranger.apiKey, svc, 300);
      await moveOrder(db(), b, 'partial', { remains: 50n, startCount: 7n });
      const res = await api({
        key: user.apiKey,
        action: 'status',
        orders: `${a}, ${b},${MISSING_ID},abc,${theirs},${a}`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual({
        [String(a)]: { charge: '0.15', start_count: '0', status: 'Pending', remains: '100', currency: 'USD' },
        [String(b)]: { charge: '0.225', start_count: '7', status: 'Partial', remains: '50', currency: 'USD' },
        [String(MISSING_ID)]: { error: 'Incorrect order ID' },
        abc: { error: 'Incorrect order ID' },
        [String(theirs)]: { error: 'Incorrect order ID' },
      });
    });

    it('writes the many-order answer byte for byte as a JSON object of the tokens as sent', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '1.5', min: 10, max: 10000 });
      const a = await place(user.apiKey, svc, 100);
      const b = await place(user.apiKey, svc, 200);
      await moveOrder(db(), b, 'in_progress', { remains: 150n, startCount: 3n });
      const bodyA = { charge: '0.15', start_count: '0', status: 'Pending', remains: '100', currency: 'USD' };
      const bodyB = {
        charge: '0.30',
        start_count: '3',
        status: 'In progress',
        remains: '150',
        currency: 'USD',
      };
      const unknown = { error: 'Incorrect order ID' };
      // Keys that are array indices come first in numeric order in a JS object, the others as added:
      // the answer keeps that order (clients that compare text or read the first key see no change).
      const tokens: [string, object][] = [
        [String(b), bodyB],
        ['abc', unknown],
        [`00${a}`, bodyA],
        [String(a), bodyA],
        ['0', unknown],
        ['4294967295', unknown],
        ['4294967294', unknown],
        ['__proto__', unknown],
        ['"q"', unknown],
        ['12', unknown],
      ];
      const expected: Record<string, object> = Object.create(null);
      for (const [token, body] of tokens) expected[token] = body;
      const res = await api({
        key: user.apiKey,
        action: 'status',
        orders: `${tokens.map(([t]) => t).join(',')}, ${a} ,abc`,
      });
      expect(res.raw).toBe(JSON.stringify(expected));
      expect(Object.keys(res.body)[0]).toBe('0');
    });

    it('answers valid JSON for a status the panel never writes, such as one edited in the database', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '1.5', min: 10, max: 10000 });
      const a = await place(user.apiKey, svc, 100);
      const b = await place(user.apiKey, svc, 200);
      // Names that an ordinary object would find among its own members.
      await db().updateTable('orders').set({ status: 'constructor' }).where('id', '=', a).execute();
      await db().updateTable('orders').set({ status: '__proto__' }).where('id', '=', b).execute();
      const res = await api({ key: user.apiKey, action: 'status', orders: `${a},${b}` });
      // As the object answer always was: no status that is not one of the API's.
      expect(res.body).toStrictEqual({
        [String(a)]: { charge: '0.15', start_count: '0', remains: '100', currency: 'USD' },
        [String(b)]: { charge: '0.30', start_count: '0', remains: '200', currency: 'USD' },
      });
      const one = await api({ key: user.apiKey, action: 'status', order: b });
      expect(one.body).toStrictEqual({ charge: '0.30', start_count: '0', remains: '200', currency: 'USD' });
    });

    it('accepts exactly 100 ids and refuses 101 with "Too many IDs (maximum 100)"', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '1' });
      const mine = [await place(user.apiKey, svc, 10), await place(user.apiKey, svc, 20)];
      const filler = Array.from({ length: 98 }, (_, i) => MISSING_ID + i);
      const hundred = [...mine, ...filler];
      const res = await api({ key: user.apiKey, action: 'status', orders: hundred.join(',') });
      expect(Object.keys(res.body)).toHaveLength(100);
      expect(res.body[String(mine[0])].remains).toBe('10');
      expect(res.body[String(mine[1])].remains).toBe('20');
      expect(res.body[String(filler[97])]).toStrictEqual({ error: 'Incorrect order ID' });
      // Duplicates count once: 100 distinct ids written 150 times is still within the limit.
      const dup = await api({
        key: user.apiKey,
        action: 'status',
        orders: [...hundred, ...filler.slice(0, 50)].join(','),
      });
      expect(Object.keys(dup.body)).toHaveLength(100);
      const tooMany = await api({
        key: user.apiKey,
        action: 'status',
        orders: [...hundred, MISSING_ID + 500].join(','),
      });
      expect(tooMany.body).toStrictEqual({ error: 'Too many IDs (maximum 100)' });
    });
  });

  describe('refill', () => {
    it('with `order`, answers order and refill as strings with the reference message', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true });
      const order = await place(user.apiKey, svc, 100);
      await moveOrder(db(), order, 'completed');
      const res = await api({ key: user.apiKey, action: 'refill', order });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual({
        order: String(order),
        refill: expect.stringMatching(/^[1-9]\d*$/),
        message: REFILL_MSG,
      });
      const row = await db()
        .selectFrom('refills')
        .selectAll()
        .where('id', '=', Number(res.body.refill))
        .executeTakeFirstOrThrow();
      expect([Number(row.order_id), Number(row.user_id), row.status]).toEqual([order, user.id, 'pending']);
    });

    it('with `orders`, answers an array: numbers on success, an error object and its message per failure', async () => {
      const user = await seedUser(db(), '10');
      const refillable = await seedService(db(), { refill: true });
      const plain = await seedService(db(), { refill: false });
      const done = await place(user.apiKey, refillable, 100);
      const partial = await place(user.apiKey, refillable, 100);
      const running = await place(user.apiKey, refillable, 100);
      const noRefill = await place(user.apiKey, plain, 100);
      await moveOrder(db(), done, 'completed');
      await moveOrder(db(), partial, 'partial', { remains: 40n });
      await moveOrder(db(), noRefill, 'completed');
      const res = await api({
        key: user.apiKey,
        action: 'refill',
        orders: `${done},${partial},${running},${noRefill},${MISSING_ID},x1`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual([
        { order: done, refill: expect.any(Number), message: REFILL_MSG },
        { order: partial, refill: expect.any(Number), message: REFILL_MSG },
        {
          order: running,
          refill: { error: 'Order cannot be refilled' },
          message: 'Order cannot be refilled',
        },
        {
          order: noRefill,
          refill: { error: 'Order cannot be refilled' },
          message: 'Order cannot be refilled',
        },
        { order: MISSING_ID, refill: { error: 'Incorrect order ID' }, message: 'Incorrect order ID' },
        { order: 'x1', refill: { error: 'Incorrect order ID' }, message: 'Incorrect order ID' },
      ]);
      expect(res.body[0].refill).not.toBe(res.body[1].refill);
      // A second batch for the same orders finds their refills open.
      const again = await api({ key: user.apiKey, action: 'refill', orders: `${done},${partial}` });
      expect(again.body).toStrictEqual([
        {
          order: done,
          refill: { error: 'Refill already requested for this order' },
          message: 'Refill already requested for this order',
        },
        {
          order: partial,
          refill: { error: 'Refill already requested for this order' },
          message: 'Refill already requested for this order',
        },
      ]);
      const tooMany = Array.from({ length: 101 }, (_, i) => MISSING_ID + i).join(',');
      expect((await api({ key: user.apiKey, action: 'refill', orders: tooMany })).body).toStrictEqual({
        error: 'Too many IDs (maximum 100)',
      });
    });

    it('is refused for a service without refill and for an order that is not Completed or Partial', async () => {
      const user = await seedUser(db(), '10');
      const refillable = await seedService(db(), { refill: true });
      const plain = await seedService(db(), { refill: false });
      const completedPlain = await place(user.apiKey, plain, 100);
      await moveOrder(db(), completedPlain, 'completed');
      const cases: [number, string][] = [[completedPlain, 'completed on a service without refill']];
      for (const status of ['pending', 'processing', 'in_progress', 'canceled'] as const) {
        const o = await place(user.apiKey, refillable, 100);
        if (status !== 'pending') await moveOrder(db(), o, status);
        cases.push([o, status]);
      }
      const before = await footprint(db(), user.id);
      for (const [order, why] of cases) {
        expect((await api({ key: user.apiKey, action: 'refill', order })).body, why).toStrictEqual({
          error: 'Order cannot be refilled',
        });
      }
      expect(await footprint(db(), user.id)).toEqual(before);
    });

    it('allows one open refill per order; a new one only after the last is completed, rejected or canceled', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true });
      const order = await place(user.apiKey, svc, 100);
      await moveOrder(db(), order, 'completed');
      const first = await api({ key: user.apiKey, action: 'refill', order });
      expect(first.body.message).toBe(REFILL_MSG);
      const r1 = Number(first.body.refill);
      const refused = { error: 'Refill already requested for this order' };
      expect((await api({ key: user.apiKey, action: 'refill', order })).body).toStrictEqual(refused);
      await setRefill(r1, 'in_progress');
      expect((await api({ key: user.apiKey, action: 'refill', order })).body).toStrictEqual(refused);
      expect((await footprint(db(), user.id)).refills).toBe(1);

      await setRefill(r1, 'completed');
      const second = await api({ key: user.apiKey, action: 'refill', order });
      expect(second.body).toStrictEqual({
        order: String(order),
        refill: expect.any(String),
        message: REFILL_MSG,
      });
      const r2 = Number(second.body.refill);
      expect(r2).not.toBe(r1);
      await setRefill(r2, 'rejected');
      const third = await api({ key: user.apiKey, action: 'refill', order });
      expect(third.body.message).toBe(REFILL_MSG);
      await setRefill(Number(third.body.refill), 'canceled');
      const fourth = await api({ key: user.apiKey, action: 'refill', order });
      expect(fourth.body.message).toBe(REFILL_MSG);
      expect((await footprint(db(), user.id)).refills).toBe(4);
    });

    it('asks for `order` when neither `order` nor `orders` is sent', async () => {
      const user = await seedUser(db());
      expect((await api({ key: user.apiKey, action: 'refill' })).body).toStrictEqual({
        error: 'Missing parameter: order',
      });
      expect((await api({ key: user.apiKey, action: 'refill', order: 'abc' })).body).toStrictEqual({
        error: 'Incorrect order ID',
      });
      expect((await api({ key: user.apiKey, action: 'refill', order: MISSING_ID })).body).toStrictEqual({
        error: 'Incorrect order ID',
      });
    });
  });

  describe('refill_status', () => {
    it('answers one refill as {refill: number, status} through its whole lifecycle', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true });
      const order = await place(user.apiKey, svc, 100);
      await moveOrder(db(), order, 'completed');
      const refill = Number((await api({ key: user.apiKey, action: 'refill', order })).body.refill);
      const statusOf = async () => (await api({ key: user.apiKey, action: 'refill_status', refill })).body;
      expect(await statusOf()).toStrictEqual({ refill, status: 'Pending' });
      await setRefill(refill, 'in_progress');
      expect(await statusOf()).toStrictEqual({ refill, status: 'In progress' });
      await setRefill(refill, 'completed');
      expect(await statusOf()).toStrictEqual({ refill, status: 'Completed' });
      // Completed is final.
      const again = await setRefillStatus({ db: db(), actor: SYSTEM, refillId: refill, status: 'rejected' });
      expect(again.ok).toBe(false);
      expect(await statusOf()).toStrictEqual({ refill, status: 'Completed' });
    });

    it('answers many refills as an array, with {"error": "Refill not found"} as the status of each unknown one', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true });
      const o1 = await place(user.apiKey, svc, 100);
      const o2 = await place(user.apiKey, svc, 100);
      await moveOrder(db(), o1, 'completed');
      await moveOrder(db(), o2, 'completed');
      const batch = await api({ key: user.apiKey, action: 'refill', orders: `${o1},${o2}` });
      const [r1, r2] = batch.body.map((x: { refill: number }) => x.refill);
      await setRefill(r1, 'completed');
      await setRefill(r2, 'rejected');
      const res = await api({
        key: user.apiKey,
        action: 'refill_status',
        refills: `${r1},${r2},${MISSING_ID},zz`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual([
        { refill: r1, status: 'Completed' },
        { refill: r2, status: 'Rejected' },
        { refill: MISSING_ID, status: { error: 'Refill not found' } },
        { refill: 'zz', status: { error: 'Refill not found' } },
      ]);
      const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
      expect((await api({ key: user.apiKey, action: 'refill_status', refills: tooMany })).body).toStrictEqual(
        {
          error: 'Too many IDs (maximum 100)',
        },
      );
    });

    it('answers "Refill not found" for unknown ids and asks for `refill` when nothing is sent', async () => {
      const user = await seedUser(db());
      for (const refill of [String(MISSING_ID), '999999999999999', '0', 'abc']) {
        expect((await api({ key: user.apiKey, action: 'refill_status', refill })).body, refill).toStrictEqual(
          {
            error: 'Refill not found',
          },
        );
      }
      expect((await api({ key: user.apiKey, action: 'refill_status' })).body).toStrictEqual({
        error: 'Missing parameter: refill',
      });
    });
  });

  describe('cancel', () => {
    it('answers an array per order: the reference message, or an error object for each refusal', async () => {
      const user = await seedUser(db(), '10');
      const cancelable = await seedService(db(), { cancel: true });
      const plain = await seedService(db(), { cancel: false });
      const pending = await place(user.apiKey, cancelable, 100);
      const inProgress = await place(user.apiKey, cancelable, 100);
      const completed = await place(user.apiKey, cancelable, 100);
      const noCancel = await place(user.apiKey, plain, 100);
      await moveOrder(db(), inProgress, 'in_progress');
      await moveOrder(db(), completed, 'completed');
      const before = await footprint(db(), user.id);
      const res = await api({
        key: user.apiKey,
        action: 'cancel',
        orders: `${pending},${inProgress},${completed},${noCancel},${MISSING_ID},nope`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toStrictEqual([
        { order: pending, cancel: CANCEL_MSG },
        { order: inProgress, cancel: CANCEL_MSG },
        { order: completed, cancel: { error: 'Order cannot be canceled' } },
        { order: noCancel, cancel: { error: 'Order cannot be canceled' } },
        { order: MISSING_ID, cancel: { error: 'Incorrect order ID' } },
        { order: 'nope', cancel: { error: 'Incorrect order ID' } },
      ]);
      // A request moves no money and no status: the engine carries it out later.
      expect(await footprint(db(), user.id)).toEqual(before);
      expect((await orderOf(db(), pending)).status).toBe('pending');
      expect((await orderOf(db(), pending)).cancelRequestedAt).not.toBeNull();
      expect((await orderOf(db(), noCancel)).cancelRequestedAt).toBeNull();

      const again = await api({ key: user.apiKey, action: 'cancel', orders: `${pending},${inProgress}` });
      expect(again.body).toStrictEqual([
        { order: pending, cancel: { error: 'Cancellation already requested for this order' } },
        { order: inProgress, cancel: { error: 'Cancellation already requested for this order' } },
      ]);
    });

    it('is refused for every finished status and allowed for every unfinished one', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { cancel: true });
      const expected: Record<string, unknown> = {
        pending: CANCEL_MSG,
        processing: CANCEL_MSG,
        in_progress: CANCEL_MSG,
        completed: { error: 'Order cannot be canceled' },
        partial: { error: 'Order cannot be canceled' },
        canceled: { error: 'Order cannot be canceled' },
      };
      for (const [status, answer] of Object.entries(expected)) {
        const o = await place(user.apiKey, svc, 100);
        if (status !== 'pending') {
          await moveOrder(db(), o, status as 'processing', status === 'partial' ? { remains: 10n } : {});
        }
        const res = await api({ key: user.apiKey, action: 'cancel', orders: String(o) });
        expect(res.body, status).toStrictEqual([{ order: o, cancel: answer }]);
      }
    });

    it('accepts a lone `order` and answers in the same list shape; asks for `orders` when none is sent', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { cancel: true });
      const o = await place(user.apiKey, svc, 100);
      expect((await api({ key: user.apiKey, action: 'cancel', order: o })).body).toStrictEqual([
        { order: o, cancel: CANCEL_MSG },
      ]);
      expect((await api({ key: user.apiKey, action: 'cancel' })).body).toStrictEqual({
        error: 'Missing parameter: orders',
      });
      expect((await api({ key: user.apiKey, action: 'cancel', orders: ' , ' })).body).toStrictEqual({
        error: 'Missing parameter: orders',
      });
      const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
      expect((await api({ key: user.apiKey, action: 'cancel', orders: tooMany })).body).toStrictEqual({
        error: 'Too many IDs (maximum 100)',
      });
    });

    it('a requested cancel that ends Canceled refunds the whole charge once', async () => {
      const user = await seedUser(db(), '1');
      const svc = await seedService(db(), { cancel: true, rate: '3.3333' });
      const o = await place(user.apiKey, svc, 300);
      expect(await balanceOf(user.apiKey)).toBe('0.00001');
      await api({ key: user.apiKey, action: 'cancel', orders: String(o) });
      await moveOrder(db(), o, 'canceled');
      expect(await balanceOf(user.apiKey)).toBe('1.00');
      expect((await api({ key: user.apiKey, action: 'status', order: o })).body).toStrictEqual({
        charge: '0.00',
        start_count: '0',
        status: 'Canceled',
        remains: '300',
        currency: 'USD',
      });
    });
  });

  describe('concurrent duplicates', () => {
    it('of the same refill or cancel request, exactly one is accepted and the others are told why', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true, cancel: true });
      for (let round = 0; round < 5; round++) {
        const order = await place(user.apiKey, svc, 100);
        const cancels = await Promise.all(
          Array.from({ length: 8 }, () => api({ key: user.apiKey, action: 'cancel', orders: String(order) })),
        );
        const cancelAnswers = cancels.map((r) => JSON.stringify(r.body[0].cancel)).sort();
        expect(cancelAnswers).toEqual([
          JSON.stringify(CANCEL_MSG),
          ...Array(7).fill(JSON.stringify({ error: 'Cancellation already requested for this order' })),
        ]);
        await moveOrder(db(), order, 'completed');
        const refills = await Promise.all(
          Array.from({ length: 8 }, () => api({ key: user.apiKey, action: 'refill', order })),
        );
        const refillAnswers = refills.map((r) => r.body.error ?? r.body.message).sort();
        expect(refillAnswers).toEqual([
          ...Array(7).fill('Refill already requested for this order'),
          REFILL_MSG,
        ]);
      }
      expect((await footprint(db(), user.id)).refills).toBe(5);
    });
  });

  describe('authorisation', () => {
    it('another user’s order and refill ids are answered exactly like ids that do not exist', async () => {
      const owner = await seedUser(db(), '10');
      const intruder = await seedUser(db(), '10');
      const svc = await seedService(db(), { refill: true, cancel: true });
      const plain = await seedService(db(), { refill: false, cancel: false });
      const done = await place(owner.apiKey, svc, 100);
      const running = await place(owner.apiKey, svc, 100);
      const plainDone = await place(owner.apiKey, plain, 100);
      await moveOrder(db(), done, 'completed');
      await moveOrder(db(), plainDone, 'completed');
      const refill = Number((await api({ key: owner.apiKey, action: 'refill', order: done })).body.refill);
      const ownerBefore = await footprint(db(), owner.id);
      const intruderBefore = await footprint(db(), intruder.id);
      const key = intruder.apiKey;

      // Each answer for someone else's id must equal the answer for an id that does not exist.
      const asMissing = async (params: Record<string, string | number>, idParam: string, id: number) => {
        const theirs = await api({ key, ...params, [idParam]: id });
        const missing = await api({ key, ...params, [idParam]: MISSING_ID });
        expect(JSON.stringify(theirs.body).replaceAll(String(id), 'ID')).toBe(
          JSON.stringify(missing.body).replaceAll(String(MISSING_ID), 'ID'),
        );
        return theirs.body;
      };
      for (const id of [done, running, plainDone]) {
        expect(await asMissing({ action: 'status' }, 'order', id)).toStrictEqual({
          error: 'Incorrect order ID',
        });
        expect(await asMissing({ action: 'status' }, 'orders', id)).toStrictEqual({
          [String(id)]: { error: 'Incorrect order ID' },
        });
        expect(await asMissing({ action: 'refill' }, 'order', id)).toStrictEqual({
          error: 'Incorrect order ID',
        });
        expect(await asMissing({ action: 'refill' }, 'orders', id)).toStrictEqual([
          { order: id, refill: { error: 'Incorrect order ID' }, message: 'Incorrect order ID' },
        ]);
        expect(await asMissing({ action: 'cancel' }, 'orders', id)).toStrictEqual([
          { order: id, cancel: { error: 'Incorrect order ID' } },
        ]);
      }
      expect(await asMissing({ action: 'refill_status' }, 'refill', refill)).toStrictEqual({
        error: 'Refill not found',
      });
      expect(await asMissing({ action: 'refill_status' }, 'refills', refill)).toStrictEqual([
        { refill, status: { error: 'Refill not found' } },
      ]);

      // Nothing the intruder did touched the owner's orders, refills or money.
      expect(await footprint(db(), owner.id)).toEqual(ownerBefore);
      expect(await footprint(db(), intruder.id)).toEqual(intruderBefore);
      expect((await orderOf(db(), running)).cancelRequestedAt).toBeNull();
      expect(
        (await api({ key: owner.apiKey, action: 'cancel', orders: String(running) })).body,
      ).toStrictEqual([{ order: running, cancel: CANCEL_MSG }]);
      expect((await api({ key: owner.apiKey, action: 'refill_status', refill })).body).toStrictEqual({
        refill,
        status: 'Pending',
      });
    });

    it('a rotated key stops working at once and the new key sees the same account', async () => {
      const user = await seedUser(db(), '7.5');
      const old = user.apiKey;
      expect((await api({ key: old, action: 'balance' })).body).toStrictEqual({
        balance: '7.50',
        currency: 'USD',
      });
      const rotated = await rotateApiKey({ db: db(), actor: SYSTEM, username: user.username });
      if (!rotated.ok) throw new Error('rotate failed');
      expect(rotated.value.apiKey).not.toBe(old);
      for (const action of ['balance', 'services', 'status', 'add']) {
        expect((await api({ key: old, action })).body, action).toStrictEqual({ error: 'Invalid API key' });
      }
      expect((await api({ key: rotated.value.apiKey, action: 'balance' })).body).toStrictEqual({
        balance: '7.50',
        currency: 'USD',
      });
    });
  });

  describe('settlement', () => {
    it('Completed keeps the whole charge; Partial refunds remains × rate / 1000 exactly; status shows the net', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '0.73', min: 100, max: 10000 });
      const completed = await place(user.apiKey, svc, 1234);
      const partial = await place(user.apiKey, svc, 1234);
      expect(await balanceOf(user.apiKey)).toBe('8.19836');
      await moveOrder(db(), completed, 'completed');
      expect(await balanceOf(user.apiKey)).toBe('8.19836');
      const moved = await changeOrderStatus({
        db: db(),
        orderId: partial,
        change: { status: 'partial', remains: 234n },
      });
      if (!moved.ok) throw new Error('partial refused');
      expect(moved.value.refundUnits).toBe(1708200n); // 234 × 0.73 / 1000 = 0.17082
      expect(await balanceOf(user.apiKey)).toBe('8.36918');
      expect(
        (await api({ key: user.apiKey, action: 'status', orders: `${completed},${partial}` })).body,
      ).toStrictEqual({
        [String(completed)]: {
          charge: '0.90082',
          start_count: '0',
          status: 'Completed',
          remains: '0',
          currency: 'USD',
        },
        [String(partial)]: {
          charge: '0.73',
          start_count: '0',
          status: 'Partial',
          remains: '234',
          currency: 'USD',
        },
      });
      const refunds = await db()
        .selectFrom('ledger_entries')
        .select(['amount_units', 'idem_key'])
        .where('order_id', '=', partial)
        .where('kind', '=', 'order_refund')
        .execute();
      expect(refunds.map((r) => [BigInt(r.amount_units), r.idem_key])).toEqual([
        [1708200n, `refund:order:${partial}`],
      ]);
    });

    it('Canceled refunds the whole charge and the answer shows a charge of 0.00', async () => {
      const user = await seedUser(db(), '2');
      const svc = await seedService(db(), { rate: '1.2345', min: 1, max: 10000 });
      const o = await place(user.apiKey, svc, 999);
      expect(await balanceOf(user.apiKey)).toBe('0.7667345');
      await moveOrder(db(), o, 'canceled');
      expect(await balanceOf(user.apiKey)).toBe('2.00');
      expect((await api({ key: user.apiKey, action: 'status', order: o })).body).toStrictEqual({
        charge: '0.00',
        start_count: '0',
        status: 'Canceled',
        remains: '999',
        currency: 'USD',
      });
    });

    it('a terminal status is final: every further move is a conflict and moves no money', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { rate: '2', min: 1, max: 10000 });
      const terminal = [
        ['completed', {}],
        ['partial', { remains: 30n }],
        ['canceled', {}],
      ] as const;
      for (const [status, extra] of terminal) {
        const o = await place(user.apiKey, svc, 100);
        await moveOrder(db(), o, status, extra);
        const settled = await orderOf(db(), o);
        const before = await footprint(db(), user.id);
        const statusBefore = (await api({ key: user.apiKey, action: 'status', order: o })).body;
        for (const to of [
          'pending',
          'processing',
          'in_progress',
          'completed',
          'partial',
          'canceled',
        ] as const) {
          const r = await changeOrderStatus({
            db: db(),
            orderId: o,
            change: { status: to, remains: to === 'partial' ? 10n : undefined },
          });
          expect(r, `${status} -> ${to}`).toEqual({
            ok: false,
            failure: {
              code: 'conflict',
              reason: 'forbidden_transition',
              what: 'order',
              id: o,
              from: status,
              to,
            },
          });
        }
        expect(await footprint(db(), user.id)).toEqual(before);
        expect(await orderOf(db(), o)).toEqual(settled);
        expect((await api({ key: user.apiKey, action: 'status', order: o })).body).toStrictEqual(
          statusBefore,
        );
      }
    });

    it('the books balance after every scenario of this suite', async () => {
      const report = await checkLedger({ db: db() });
      expect(report.problems).toEqual([]);
      expect(report.orders).toBeGreaterThan(40);
    });
  });
});
