/**
 * API v2 at its edge, on SQLite and Postgres: the endpoint and its transports, authentication, the
 * "HTTP 200 + JSON" rule for every answer, malformed input, and every error string of src/result.ts
 * that a client can provoke, each from a real request that is proven to change nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { type Failure, failureMessage } from '../src/result.js';
import { callApi, makeApi, seedService, seedUser, type Transport } from './helpers/api.js';
import { footprint, moveOrder } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';

const LINK = 'https://instagram.com/p/abc';
const MISSING_ID = 987654321;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachDb('API v2 edge and errors', (ctx) => {
  let app: FastifyInstance;
  const db = () => ctx().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
  });
  afterAll(async () => {
    await app.close();
  });

  const api = (params: Record<string, string | number>, transport: Transport = 'form') =>
    callApi(app, params, transport);

  /** A request that must be refused with `error`, as HTTP 200 JSON, leaving the user's data as it was. */
  async function refused(
    user: { id: number; apiKey: string },
    params: Record<string, string | number>,
    error: string,
    transport: Transport = 'form',
  ) {
    const before = await footprint(db(), user.id);
    const r = await api({ key: user.apiKey, ...params }, transport);
    expect(r.statusCode).toBe(200);
    expect(r.body, JSON.stringify(params)).toStrictEqual({ error });
    expect(await footprint(db(), user.id)).toEqual(before);
  }

  describe('endpoint and transports', () => {
    it('/api/v2 and /api/v2/ both answer 200 directly, for GET and POST, never a redirect', async () => {
      const user = await seedUser(db(), '3');
      const form = new URLSearchParams({ key: user.apiKey, action: 'balance' }).toString();
      for (const url of ['/api/v2', '/api/v2/']) {
        const post = await app.inject({ method: 'POST', url, headers: FORM, payload: form });
        const get = await app.inject({ method: 'GET', url: `${url}?${form}` });
        for (const res of [post, get]) {
          expect(res.statusCode, url).toBe(200);
          expect(res.headers.location).toBeUndefined();
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expect(JSON.parse(res.body)).toStrictEqual({ balance: '3.00', currency: 'USD' });
        }
      }
    });

    it('form POST, JSON POST and GET query give the same answers for every action', async () => {
      const user = await seedUser(db(), '100');
      const svc = await seedService(db(), { rate: '2', refill: true, cancel: true, min: 10, max: 1000 });
      for (const transport of ['form', 'json', 'get'] as const) {
        const add = await api(
          { key: user.apiKey, action: 'add', service: svc, link: LINK, quantity: 500 },
          transport,
        );
        expect(add.body, transport).toStrictEqual({ order: expect.any(Number) });
        const order = add.body.order as number;
        const expectedStatus = {
          charge: '1.00',
          start_count: '0',
          status: 'Pending',
          remains: '500',
          currency: 'USD',
        };
        expect((await api({ key: user.apiKey, action: 'status', order }, transport)).body).toStrictEqual(
          expectedStatus,
        );
        expect(
          (await api({ key: user.apiKey, action: 'status', orders: `${order}` }, transport)).body,
        ).toStrictEqual({
          [String(order)]: expectedStatus,
        });
        const services = await api({ key: user.apiKey, action: 'services' }, transport);
        expect(services.body.find((s: { service: number }) => s.service === svc)?.rate).toBe('2');
        expect(
          (await api({ key: user.apiKey, action: 'cancel', orders: `${order}` }, transport)).body,
        ).toStrictEqual([{ order, cancel: 'Your cancellation request has been received.' }]);
        await moveOrder(db(), order, 'completed');
        const refill = await api({ key: user.apiKey, action: 'refill', order }, transport);
        expect(refill.body.order).toBe(String(order));
        const refillId = Number(refill.body.refill);
        expect(
          (await api({ key: user.apiKey, action: 'refill_status', refill: refillId }, transport)).body,
        ).toStrictEqual({
          refill: refillId,
          status: 'Pending',
        });
      }
      expect((await api({ key: user.apiKey, action: 'balance' }, 'json')).body).toStrictEqual({
        balance: '97.00',
        currency: 'USD',
      });
    });

    it('a key in the query string authenticates a form POST whose body carries the rest', async () => {
      const user = await seedUser(db(), '1');
      const res = await app.inject({
        method: 'POST',
        url: `/api/v2?key=${user.apiKey}`,
        headers: FORM,
        payload: 'action=balance',
      });
      expect(JSON.parse(res.body)).toStrictEqual({ balance: '1.00', currency: 'USD' });
    });

    it('a form or JSON body sent with a missing or wrong content type is still read by its shape', async () => {
      const user = await seedUser(db(), '1');
      const bodies = [
        `key=${user.apiKey}&action=balance`,
        JSON.stringify({ key: user.apiKey, action: 'balance' }),
      ];
      // text/plain;charset=UTF-8 is what fetch() sends for a string body.
      for (const type of [undefined, 'text/plain', 'text/plain;charset=UTF-8', 'application/octet-stream']) {
        for (const payload of bodies) {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v2',
            headers: type ? { 'content-type': type } : {},
            payload,
          });
          expect(JSON.parse(res.body), `${type} ${payload.slice(0, 4)}`).toStrictEqual({
            balance: '1.00',
            currency: 'USD',
          });
        }
      }
    });

    it('every kind of error is HTTP 200 with a JSON {"error"} body', async () => {
      const user = await seedUser(db());
      const requests = [
        { method: 'POST' as const, url: '/api/v2', headers: FORM, payload: '' },
        { method: 'POST' as const, url: '/api/v2', headers: FORM, payload: 'key=nope&action=balance' },
        { method: 'POST' as const, url: '/api/v2', headers: FORM, payload: `key=${user.apiKey}&action=fly` },
        { method: 'POST' as const, url: '/api/v2', headers: FORM, payload: `key=${user.apiKey}&action=add` },
        {
          method: 'POST' as const,
          url: '/api/v2',
          headers: FORM,
          payload: `key=${user.apiKey}&action=status`,
        },
        {
          method: 'POST' as const,
          url: '/api/v2',
          headers: { 'content-type': 'application/json' },
          payload: '{"key": "broken',
        },
        { method: 'GET' as const, url: '/api/v2' },
        { method: 'GET' as const, url: `/api/v2?key=${user.apiKey}&action=refill_status&refill=x` },
      ];
      for (const req of requests) {
        const res = await app.inject(req);
        expect(res.statusCode, JSON.stringify(req)).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const body = JSON.parse(res.body);
        expect(Object.keys(body)).toEqual(['error']);
        expect(typeof body.error).toBe('string');
      }
    });

    it('a malformed JSON body is answered "Incorrect request"', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: { 'content-type': 'application/json' },
        payload: '{"key": "abc", "action": ',
      });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toStrictEqual({ error: 'Incorrect request' });
    });

    it('a body over the size limit is answered "Request too large" and places nothing', async () => {
      const user = await seedUser(db(), '10');
      const svc = await seedService(db(), { type: 'Custom Comments', rate: '1', min: 1, max: 1000000 });
      const before = await footprint(db(), user.id);
      const payload = new URLSearchParams({
        key: user.apiKey,
        action: 'add',
        service: String(svc),
        link: LINK,
        comments: 'nice\n'.repeat(230_000),
      }).toString();
      const res = await app.inject({ method: 'POST', url: '/api/v2', headers: FORM, payload });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toStrictEqual({ error: 'Request too large' });
      expect(await footprint(db(), user.id)).toEqual(before);
    });

    it('over the per-key rate limit the answer is a 200 JSON error telling when to retry; other keys go on', async () => {
      const limited = await makeApi(db(), { rateLimitPerMinute: 2 });
      try {
        const a = await seedUser(db(), '1');
        const b = await seedUser(db(), '1');
        const call = (key: string) => callApi(limited, { key, action: 'balance' });
        expect((await call(a.apiKey)).body.balance).toBe('1.00');
        expect((await call(a.apiKey)).body.balance).toBe('1.00');
        const third = await call(a.apiKey);
        expect(third.statusCode).toBe(200);
        expect(third.body).toStrictEqual({
          error: expect.stringMatching(/^Too many requests, retry in \d+ seconds$/),
        });
        expect((await call(b.apiKey)).body.balance).toBe('1.00');
      } finally {
        await limited.close();
      }
    });
  });

  describe('authentication and actions', () => {
    it('a missing, wrong, oversized or repeated key is answered "Invalid API key", whatever the action', async () => {
      const user = await seedUser(db(), '1');
      for (const transport of ['form', 'json', 'get'] as const) {
        for (const key of ['', 'nope', `${user.apiKey}x`, user.apiKey.toUpperCase(), 'k'.repeat(201)]) {
          expect(
            (await api({ key, action: 'balance' }, transport)).body,
            `${transport} ${key}`,
          ).toStrictEqual({
            error: 'Invalid API key',
          });
        }
        expect((await api({ action: 'balance' }, transport)).body).toStrictEqual({
          error: 'Invalid API key',
        });
        expect((await api({ action: 'nothing' }, transport)).body).toStrictEqual({
          error: 'Invalid API key',
        });
      }
      const repeated = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: FORM,
        payload: `key=${user.apiKey}&key=${user.apiKey}&action=balance`,
      });
      expect(JSON.parse(repeated.body)).toStrictEqual({ error: 'Invalid API key' });
      const asObject = await app.inject({
        method: 'POST',
        url: '/api/v2',
        payload: { key: { value: user.apiKey }, action: 'balance' },
      });
      expect(JSON.parse(asObject.body)).toStrictEqual({ error: 'Invalid API key' });
    });

    it('a disabled user’s key is answered "Invalid API key"', async () => {
      const user = await seedUser(db(), '1');
      expect((await api({ key: user.apiKey, action: 'balance' })).body.balance).toBe('1.00');
      await db().updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute();
      expect((await api({ key: user.apiKey, action: 'balance' })).body).toStrictEqual({
        error: 'Invalid API key',
      });
    });

    it('an unknown, missing, repeated or prototype-named action is answered "Incorrect request"', async () => {
      const user = await seedUser(db(), '1');
      for (const transport of ['form', 'json', 'get'] as const) {
        for (const action of [
          '',
          'fly',
          'Balance',
          'constructor',
          '__proto__',
          'toString',
          'hasOwnProperty',
        ]) {
          expect(
            (await api({ key: user.apiKey, action }, transport)).body,
            `${transport} ${action}`,
          ).toStrictEqual({
            error: 'Incorrect request',
          });
        }
        expect((await api({ key: user.apiKey }, transport)).body).toStrictEqual({
          error: 'Incorrect request',
        });
      }
      const repeated = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: FORM,
        payload: `key=${user.apiKey}&action=balance&action=balance`,
      });
      expect(JSON.parse(repeated.body)).toStrictEqual({ error: 'Incorrect request' });
      // Surrounding spaces are forgiven.
      expect((await api({ key: user.apiKey, action: ' balance ' })).body.balance).toBe('1.00');
    });
  });

  describe('add: input validation', () => {
    it('a quantity that is not a plain non-negative integer is "Incorrect quantity"; out of range names the limit', async () => {
      const user = await seedUser(db(), '100');
      const svc = await seedService(db(), { rate: '1', min: 100, max: 5000 });
      for (const quantity of ['-5', '1.5', 'abc', '1e3', '10 0', '0x10', '1000000000000000000']) {
        await refused(user, { action: 'add', service: svc, link: LINK, quantity }, 'Incorrect quantity');
      }
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 0 },
        'Quantity less than minimal 100',
      );
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 99 },
        'Quantity less than minimal 100',
      );
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 5001 },
        'Quantity more than maximal 5000',
      );
      for (const quantity of ['100', ' 5000 ', '0150']) {
        const r = await api({ key: user.apiKey, action: 'add', service: svc, link: LINK, quantity });
        expect(r.body, quantity).toStrictEqual({ order: expect.any(Number) });
      }
    });

    it('a link that is not an http(s) URL or a plain handle is "Incorrect link"', async () => {
      const user = await seedUser(db(), '100');
      const svc = await seedService(db(), { rate: '1', min: 1, max: 5000 });
      for (const link of [
        'javascript:alert(1)',
        'ftp://example.com/a',
        'https://',
        'has space',
        '<script>',
        'a"b',
        `https://x.com/${'a'.repeat(2048)}`,
        'data:text/html,hi',
        // Schemes that look like host:port (a scheme, a colon, digits) are not host:port links.
        'javascript:0,alert(1)',
        'JaVaScRiPt:1/alert(1)',
        'data:0,hi',
        'vbscript:1',
        'file:1/etc/passwd',
        'FILE:1',
        'localhost:8080/x',
      ]) {
        await refused(user, { action: 'add', service: svc, link, quantity: 10 }, 'Incorrect link');
      }
      for (const link of [
        'natgeo',
        'instagram.com/p/x',
        'http://t.me/channel',
        'https://www.youtube.com/watch?v=a&t=1',
        'instagram.com:443/p/x',
        'HTTPS://Instagram.com/x',
      ]) {
        const r = await api({ key: user.apiKey, action: 'add', service: svc, link, quantity: 10 });
        expect(r.body, link).toStrictEqual({ order: expect.any(Number) });
      }
    });

    it('a parameter sent as a list or an object is "Incorrect <name>", not a guess', async () => {
      const user = await seedUser(db(), '100');
      const svc = await seedService(db(), { rate: '1', min: 1, max: 5000 });
      const comments = await seedService(db(), { type: 'Custom Comments', rate: '1', min: 1, max: 50 });
      const send = async (payload: string | object) => {
        const before = await footprint(db(), user.id);
        const res = await app.inject(
          typeof payload === 'string'
            ? { method: 'POST', url: '/api/v2', headers: FORM, payload }
            : { method: 'POST', url: '/api/v2', payload },
        );
        expect(res.statusCode).toBe(200);
        expect(await footprint(db(), user.id)).toEqual(before);
        return JSON.parse(res.body);
      };
      const k = `key=${user.apiKey}&action=add&service=${svc}`;
      expect(await send(`${k}&link=${LINK}&quantity=10&quantity=20`)).toStrictEqual({
        error: 'Incorrect quantity',
      });
      expect(await send(`${k}&link=a&link=b&quantity=10`)).toStrictEqual({ error: 'Incorrect link' });
      expect(
        await send(`key=${user.apiKey}&action=add&service=${svc}&service=${svc}&link=a&quantity=10`),
      ).toStrictEqual({
        error: 'Incorrect service ID',
      });
      const j = { key: user.apiKey, action: 'add' };
      expect(await send({ ...j, service: comments, link: LINK, comments: ['a', 'b'] })).toStrictEqual({
        error: 'Incorrect comments',
      });
      expect(await send({ ...j, service: svc, link: LINK, quantity: { n: 10 } })).toStrictEqual({
        error: 'Incorrect quantity',
      });
      // JSON true/null are no value at all.
      expect(await send({ ...j, service: svc, link: LINK, quantity: true })).toStrictEqual({
        error: 'Missing parameter: quantity',
      });
      expect(await send({ ...j, service: svc, link: LINK, quantity: null })).toStrictEqual({
        error: 'Missing parameter: quantity',
      });
      // Lists of ids as a list are refused per name too.
      expect(await send({ key: user.apiKey, action: 'status', orders: [1, 2] })).toStrictEqual({
        error: 'Incorrect orders',
      });
      expect(await send({ key: user.apiKey, action: 'refill', orders: [1] })).toStrictEqual({
        error: 'Incorrect orders',
      });
      expect(await send({ key: user.apiKey, action: 'cancel', orders: { a: 1 } })).toStrictEqual({
        error: 'Incorrect orders',
      });
      expect(await send({ key: user.apiKey, action: 'refill_status', refills: [1] })).toStrictEqual({
        error: 'Incorrect refills',
      });
      expect(await send(`key=${user.apiKey}&action=status&orders=1&orders=2`)).toStrictEqual({
        error: 'Incorrect orders',
      });
    });

    it('an order the balance does not cover is refused whole: no order row, no entry, no change of balance', async () => {
      const user = await seedUser(db(), '0.73');
      const svc = await seedService(db(), { rate: '0.73', min: 100, max: 10000 });
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 1001 },
        'Not enough funds on balance',
      );
      for (const transport of ['json', 'get'] as const) {
        await refused(
          user,
          { action: 'add', service: svc, link: LINK, quantity: 1001 },
          'Not enough funds on balance',
          transport,
        );
      }
      // Exactly the balance is enough, and leaves 0.00.
      const ok = await api({ key: user.apiKey, action: 'add', service: svc, link: LINK, quantity: 1000 });
      expect(ok.body).toStrictEqual({ order: expect.any(Number) });
      expect((await api({ key: user.apiKey, action: 'balance' })).body.balance).toBe('0.00');
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 100 },
        'Not enough funds on balance',
      );
      const rows = await db().selectFrom('orders').select('id').where('user_id', '=', user.id).execute();
      expect(rows.map((r) => Number(r.id))).toEqual([ok.body.order]);
    });

    it('a charge beyond what money can hold is "Amount too large", never a wrapped or rounded number', async () => {
      const user = await seedUser(db(), '1000');
      const svc = await seedService(db(), { rate: '100000', min: 1, max: 1_000_000_000_000 });
      const drip = await seedService(db(), {
        rate: '100000',
        min: 1,
        max: 1_000_000_000_000,
        dripfeed: true,
      });
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 1_000_000_000_000 },
        'Amount too large',
      );
      await refused(
        user,
        { action: 'add', service: drip, link: LINK, quantity: 1_000_000_000, runs: 1000, interval: 5 },
        'Amount too large',
      );
      // Just inside the range it is a plain lack of funds.
      await refused(
        user,
        { action: 'add', service: svc, link: LINK, quantity: 1_000_000 },
        'Not enough funds on balance',
      );
    });

    it('concurrent orders never overdraw a balance', async () => {
      const user = await seedUser(db(), '5.5');
      const svc = await seedService(db(), { rate: '10', min: 100, max: 1000 });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          api({ key: user.apiKey, action: 'add', service: svc, link: LINK, quantity: 100 }),
        ),
      );
      const placed = answers.filter((a) => typeof a.body.order === 'number');
      const refusedAnswers = answers.filter((a) => a.body.error === 'Not enough funds on balance');
      expect(placed).toHaveLength(5);
      expect(refusedAnswers).toHaveLength(15);
      const after = await footprint(db(), user.id);
      expect(after).toEqual({ balanceUnits: 5_000_000n, orders: 5, ledgerEntries: 6, refills: 0 });
    });
  });

  describe('every error string a client can provoke', () => {
    it('each failure of src/result.ts reachable through the API is answered with its exact message', async () => {
      const user = await seedUser(db(), '10');
      const stranger = await seedUser(db(), '10');
      const refillable = await seedService(db(), {
        refill: true,
        cancel: true,
        rate: '1',
        min: 10,
        max: 100,
      });
      const plain = await seedService(db(), { rate: '1', min: 10, max: 100 });
      const huge = await seedService(db(), { rate: '100000', min: 1, max: 1_000_000_000_000 });
      const place = async (service: number) => {
        const r = await api({ key: user.apiKey, action: 'add', service, link: LINK, quantity: 50 });
        return r.body.order as number;
      };
      const done = await place(refillable);
      await moveOrder(db(), done, 'completed');
      await api({ key: user.apiKey, action: 'refill', order: done });
      const running = await place(refillable);
      await api({ key: user.apiKey, action: 'cancel', orders: String(running) });
      const plainOrder = await place(plain);
      const theirs = (
        await api({ key: stranger.apiKey, action: 'add', service: plain, link: LINK, quantity: 50 })
      ).body.order;

      const add = { action: 'add', service: plain, link: LINK };
      const cases: [Failure, Record<string, string | number>][] = [
        [{ code: 'invalid_key' }, { key: 'wrong', action: 'balance' }],
        [{ code: 'bad_request' }, { action: 'unknown' }],
        [{ code: 'unknown_service' }, { ...add, service: MISSING_ID, quantity: 50 }],
        [{ code: 'unknown_order' }, { action: 'status', order: theirs }],
        [{ code: 'unknown_refill' }, { action: 'refill_status', refill: MISSING_ID }],
        [{ code: 'missing_param', param: 'quantity' }, add],
        [{ code: 'missing_param', param: 'order' }, { action: 'status' }],
        [{ code: 'missing_param', param: 'refill' }, { action: 'refill_status' }],
        [
          { code: 'missing_param', param: 'refills' },
          { action: 'refill_status', refills: '' },
        ],
        [
          { code: 'missing_param', param: 'orders' },
          { action: 'status', orders: ',,' },
        ],
        [
          { code: 'invalid_param', param: 'quantity' },
          { ...add, quantity: 'ten' },
        ],
        [
          { code: 'quantity_below_min', min: 10n },
          { ...add, quantity: 9 },
        ],
        [
          { code: 'quantity_above_max', max: 100n },
          { ...add, quantity: 101 },
        ],
        [{ code: 'dripfeed_unsupported' }, { ...add, quantity: 50, runs: 2, interval: 5 }],
        [{ code: 'insufficient_funds' }, { ...add, service: huge, quantity: 1_000_000 }],
        [{ code: 'not_refillable' }, { action: 'refill', order: plainOrder }],
        [{ code: 'refill_open' }, { action: 'refill', order: done }],
        [
          { code: 'too_many_ids', max: 100 },
          { action: 'status', orders: Array.from({ length: 101 }, (_, i) => i + 1).join(',') },
        ],
        [{ code: 'amount_too_large' }, { ...add, service: huge, quantity: 1_000_000_000_000 }],
      ];
      for (const [failure, params] of cases) {
        await refused(user, params, failureMessage(failure));
      }
      // Cancel answers per order, so its two refusals come inside the list.
      expect(
        (await api({ key: user.apiKey, action: 'cancel', orders: `${plainOrder},${running}` })).body,
      ).toStrictEqual([
        { order: plainOrder, cancel: { error: failureMessage({ code: 'not_cancelable' }) } },
        { order: running, cancel: { error: failureMessage({ code: 'cancel_requested' }) } },
      ]);
      // The strings themselves, pinned: clients match on them.
      expect(cases.map(([f]) => failureMessage(f))).toEqual([
        'Invalid API key',
        'Incorrect request',
        'Incorrect service ID',
        'Incorrect order ID',
        'Refill not found',
        'Missing parameter: quantity',
        'Missing parameter: order',
        'Missing parameter: refill',
        'Missing parameter: refills',
        'Missing parameter: orders',
        'Incorrect quantity',
        'Quantity less than minimal 10',
        'Quantity more than maximal 100',
        'Drip-feed is not available for this service',
        'Not enough funds on balance',
        'Order cannot be refilled',
        'Refill already requested for this order',
        'Too many IDs (maximum 100)',
        'Amount too large',
      ]);
      expect([
        failureMessage({ code: 'not_cancelable' }),
        failureMessage({ code: 'cancel_requested' }),
      ]).toEqual(['Order cannot be canceled', 'Cancellation already requested for this order']);
    });
  });

  it('the books balance after every request of this suite', async () => {
    const report = await checkLedger({ db: db() });
    expect(report.problems).toEqual([]);
  });
});
