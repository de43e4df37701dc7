/**
 * Adding funds with a Cryptomus method against the fake gateway (test/helpers/fake-cryptomus.ts), on
 * SQLite and Postgres, through the real faces: the panel listens on 127.0.0.1 and its public-url points
 * at itself, so every callback comes over real HTTP from the fake. Invoices, callbacks (replayed,
 * reordered, forged, unknown, overridden), status checks racing callbacks, the conversion rule and the
 * method's fee or bonus, lost callbacks found by the engine, a gateway down or refusing, and the
 * callback endpoint's rate limit. After every scenario each balance equals what the test itself expects
 * from what was confirmed, and the ledger check finds nothing.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { buildServer } from '../src/http/server.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount, toUnits } from '../src/money.js';
import { checkOpenPayments } from '../src/payments/check-open-payments.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { makeEngine } from './helpers/engine.js';
import {
  type FakeCryptomus,
  phpJsonEncode,
  signCryptomusText,
  startFakeCryptomus,
} from './helpers/fake-cryptomus.js';
import { signedInClient, WebClient } from './helpers/web.js';

const A = '/api/admin';
const MERCHANT = 'b6a1c0de-0000-4000-8000-00000000cafe';
const API_KEY = 'test-payment-key-1';
/** signedInClient's default password. */
const PASSWORD = 'correct horse battery';

const units = (text: string): bigint => {
  const u = parseAmount(text);
  if (u === null) throw new Error(`bad amount ${text}`);
  return u;
};

describeEachDb('payments through the fake Cryptomus', (ctx) => {
  let app: FastifyInstance;
  let base: string;
  let fake: FakeCryptomus;
  let admin: WebClient;
  const box = SecretBox.ephemeral();
  /** Methods: plain (0 %), fee (-2.5 %), bonus (+3.33 %). */
  let plain: number;
  let fee: number;
  let bonus: number;
  /** What each customer's balance must be, from what the test confirmed. */
  const expected = new Map<number, bigint>();
  const db = () => ctx().db.db;
  let adminUsername: string | undefined;

  async function createMethod(name: string, adjustPercent: string, apiKey = API_KEY): Promise<number> {
    const r = await admin.post(`${A}/payment-methods`, {
      kind: 'cryptomus',
      name,
      instructions: 'Pay in crypto',
      min: '1',
      max: '5000',
      adjustPercent,
      enabled: true,
      settings: { merchant: MERCHANT, apiKey, apiUrl: fake.url, lifetime: '' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as number;
  }

  async function customer() {
    const u = await seedUser(db());
    expected.set(u.id, 0n);
    return { ...u, c: await signedInClient(app, db(), u.username) };
  }

  async function start(c: WebClient, amount: string, methodId = plain) {
    const r = await c.post('/payments', { methodId, amount });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.id as number;
    const inv = [...fake.invoices.values()].find((i) => i.orderId === String(id));
    if (!inv) throw new Error(`no invoice at the fake for payment ${id}`);
    return { id, uuid: inv.uuid, view: r.body };
  }

  async function balance(userId: number): Promise<bigint> {
    const row = await db()
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return toUnits(row.balance_units);
  }

  async function detail(id: number) {
    const r = await admin.get(`${A}/payments/${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as {
      payment: { state: string; received: string | null; credited: string; checks: number };
      events: { source: string; outcome: string; gatewayStatus: string | null; body: string }[];
      entries: { kind: string; amount: string }[];
    };
  }

  async function creditEntries(paymentId: number) {
    return db()
      .selectFrom('ledger_entries')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .where('kind', '=', 'payment_credit')
      .execute();
  }

  function confirm(userId: number, credited: string) {
    expected.set(userId, (expected.get(userId) ?? 0n) + units(credited));
  }

  /** Every balance is what the test confirmed, and the books balance. */
  async function books() {
    for (const [userId, want] of expected) {
      expect(formatAmount(await balance(userId)), `balance of user ${userId}`).toBe(formatAmount(want));
    }
    const check = await checkLedger({ db: db() });
    expect(check.problems).toEqual([]);
  }

  /** The engine's check, with a clock that makes every open payment due. */
  const checkLater = (minutes = 2) =>
    checkOpenPayments({ db: db(), box, now: Date.now() + minutes * 60_000 });

  const paid = (uuid: string, amount: string) =>
    fake.setStatus(uuid, {
      status: 'paid',
      paymentAmount: amount,
      payerAmount: amount,
      payerCurrency: 'USD',
    });

  beforeAll(async () => {
    fake = await startFakeCryptomus({ merchant: MERCHANT, apiKey: API_KEY });
    app = await buildServer({
      db: db(),
      logLevel: 'silent',
      secretBox: box,
      rateLimitPerMinute: 1_000_000,
      callbackLimitPerMinute: 1_000_000,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const username = uniqueName('admin');
    adminUsername = username;
    const u = await createUser({ db: db(), actor: SYSTEM, input: { username, role: 'admin' } });
    if (!u.ok) throw new Error(u.failure.code);
    admin = await signedInClient(app, db(), username);
    const s = await admin.post(`${A}/settings`, { publicUrl: base });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    plain = await createMethod('Crypto', '0');
    fee = await createMethod('Crypto with fee', '-2.5');
    bonus = await createMethod('Crypto with bonus', '3.33');
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('an invoice is made at the gateway with the amount, currency, order id and our URLs', async () => {
    const cu = await customer();
    const before = fake.requests.length;
    const p = await start(cu.c, '25.5');
    const inv = fake.invoices.get(p.uuid);
    expect(p.view.state).toBe('pending');
    expect(p.view.amount).toBe('25.50');
    expect(p.view.currency).toBe('USD');
    expect(p.view.payUrl).toBe(inv?.url);
    expect(p.view.payUrl).toBe(`${fake.url}/pay/${p.uuid}`);
    const sent = fake.requests.slice(before).filter((r) => r.path === '/v1/payment');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.merchant).toBe(MERCHANT);
    expect(sent[0]?.body).toMatchObject({
      amount: '25.50',
      currency: 'USD',
      order_id: String(p.id),
      url_callback: `${base}/api/payments/callback/${plain}`,
      url_return: `${base}/funds/${p.id}`,
    });
    const d = await detail(p.id);
    expect(d.events.map((e) => `${e.source}:${e.outcome}`)).toEqual(['create:invoice']);
    // The customer gives up: the gateway cancels it, nothing is credited.
    fake.setStatus(p.uuid, { status: 'cancel', paymentAmount: '0' });
    expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('expired');
    await books();
  });

  it('paid through the pay page: the callback credits once, replays and a later check change nothing', async () => {
    const cu = await customer();
    const p = await start(cu.c, '40');
    const res = await fetch(`${fake.url}/pay/${p.uuid}`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${base}/funds/${p.id}`);
    confirm(cu.id, '40');
    const view = (await cu.c.get(`/payments/${p.id}`)).body;
    expect(view).toMatchObject({ state: 'completed', received: '40.00', credited: '40.00', payUrl: null });
    expect(await balance(cu.id)).toBe(units('40'));
    const entries = await creditEntries(p.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.note).toContain(String(p.id));
    expect(entries[0]?.idem_key).toBe(`payment:${p.id}`);
    for (let i = 0; i < 5; i++) {
      expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    }
    await checkLater(5);
    expect(await creditEntries(p.id)).toHaveLength(1);
    const d = await detail(p.id);
    expect(d.payment.state).toBe('completed');
    expect(d.entries.map((e) => [e.kind, e.amount])).toEqual([['payment_credit', '40.00']]);
    const outcomes = d.events.map((e) => e.outcome);
    expect(outcomes.filter((o) => o === 'credited')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'after_end')).toHaveLength(5);
    await books();
  });

  it('callbacks and status checks at the same moment, 20 rounds over several payments: each credited once', async () => {
    for (let round = 0; round < 20; round++) {
      const cu = await customer();
      const ps = [];
      for (const amount of ['10', '12.34', '7.01']) ps.push(await start(cu.c, amount));
      for (const p of ps) paid(p.uuid, fake.invoices.get(p.uuid)?.amount ?? '');
      const now = Date.now() + 2 * 60_000;
      const answers = await Promise.all([
        ...ps.flatMap((p) => [fake.callback(p.uuid), fake.callback(p.uuid)]),
        checkOpenPayments({ db: db(), box, now }),
        checkOpenPayments({ db: db(), box, now }),
      ]);
      for (const a of answers.slice(0, ps.length * 2))
        expect(a).toEqual({ status: 200, body: '{"ok":true}' });
      for (const p of ps) {
        expect(await creditEntries(p.id), `round ${round} payment ${p.id}`).toHaveLength(1);
        expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('completed');
      }
      confirm(cu.id, '29.35');
      expect(await balance(cu.id)).toBe(units('29.35'));
    }
    await books();
  });

  it("a late 'check' or 'wrong_amount_waiting' callback after 'paid' changes nothing", async () => {
    const cu = await customer();
    const p = await start(cu.c, '15');
    paid(p.uuid, '15');
    await fake.callback(p.uuid);
    confirm(cu.id, '15');
    fake.setStatus(p.uuid, { status: 'check', paymentAmount: null, isFinal: false });
    expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    fake.setStatus(p.uuid, {
      status: 'wrong_amount_waiting',
      paymentAmount: '3',
      payerAmount: '15',
      payerCurrency: 'USD',
      isFinal: false,
    });
    expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    const d = await detail(p.id);
    expect(d.payment).toMatchObject({ state: 'completed', received: '15.00', credited: '15.00' });
    expect(d.events.slice(-2).map((e) => `${e.gatewayStatus}:${e.outcome}`)).toEqual([
      'check:after_end',
      'wrong_amount_waiting:after_end',
    ]);
    expect(await creditEntries(p.id)).toHaveLength(1);
    await books();
  });

  it("'paid' after 'cancel' (a late payment) credits nothing by itself: the event is kept for the admin", async () => {
    const cu = await customer();
    const p = await start(cu.c, '14');
    fake.setStatus(p.uuid, { status: 'cancel' });
    await fake.callback(p.uuid);
    paid(p.uuid, '14');
    expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    const d = await detail(p.id);
    expect(d.payment).toMatchObject({ state: 'expired', credited: '0.00' });
    expect(d.events.at(-1)).toMatchObject({
      source: 'callback',
      outcome: 'after_end',
      gatewayStatus: 'paid',
    });
    expect(await creditEntries(p.id)).toHaveLength(0);
    expect((await admin.post(`${A}/payments/${p.id}/approve`, {})).status).toBe(409);
    await books();
  });

  it('forged, unsigned, unknown and overridden callbacks change nothing and are answered like a good one', async () => {
    const cu = await customer();
    const p = await start(cu.c, '30');
    paid(p.uuid, '30');
    const unlinked = async () =>
      db()
        .selectFrom('payment_events')
        .selectAll()
        .where('payment_id', 'is', null)
        .where('method_id', '=', plain)
        .orderBy('id')
        .execute();
    const unlinkedBefore = (await unlinked()).length;

    const answers = [
      await fake.callback(p.uuid, { sign: 'forged' }),
      await fake.callback(p.uuid, { sign: 'missing' }),
      await fake.callback(p.uuid, { override: { uuid: randomUUID() } }),
      await fake.callback(p.uuid, { override: { amount: '300.00', payment_amount: '300.00' } }),
      await fake.callback(p.uuid, { override: { currency: 'EUR', payer_currency: 'EUR' } }),
      await fake.callback(p.uuid, { override: { order_id: String(p.id + 100000) } }),
    ];
    let view = (await cu.c.get(`/payments/${p.id}`)).body;
    expect(view.state).toBe('pending');
    expect(await balance(cu.id)).toBe(0n);
    expect(await creditEntries(p.id)).toHaveLength(0);

    const rows = (await unlinked()).slice(unlinkedBefore);
    expect(rows.map((r) => r.outcome)).toEqual(['bad_signature', 'bad_signature', 'unknown_payment']);
    for (const r of rows) expect(r.body).toContain('"status":"paid"');
    const d = await detail(p.id);
    expect(d.events.map((e) => e.outcome)).toEqual(['invoice', 'mismatch', 'mismatch', 'mismatch']);
    expect(d.events[1]?.body).toContain('"amount":"300.00"');

    // The good one, answered exactly alike, credits.
    const good = await fake.callback(p.uuid);
    for (const a of answers) expect(a).toEqual(good);
    expect(good).toEqual({ status: 200, body: '{"ok":true}' });
    confirm(cu.id, '30');
    view = (await cu.c.get(`/payments/${p.id}`)).body;
    expect(view).toMatchObject({ state: 'completed', credited: '30.00' });
    await books();
  });

  it('paid_over, wrong_amount, cancel and fail, with the fee and the bonus applied exactly', async () => {
    const cu = await customer();
    // paid_over: A × P / Q = 20 × 31 / 20 = 31, fee -2.5 % -> 30.225
    const over = await start(cu.c, '20', fee);
    fake.setStatus(over.uuid, {
      status: 'paid_over',
      paymentAmount: '31',
      payerAmount: '20',
      payerCurrency: 'USDT',
    });
    await fake.callback(over.uuid);
    confirm(cu.id, '30.225');
    expect((await cu.c.get(`/payments/${over.id}`)).body).toMatchObject({
      state: 'completed',
      received: '31.00',
      credited: '30.225',
      adjustPercent: '-2.5',
    });

    // wrong_amount: 50 × 12.3456 / 24.69 = 25.0012... -> 25.00 (down to the cent); bonus 3.33 % -> 25.8325
    const under = await start(cu.c, '50', bonus);
    fake.setStatus(under.uuid, {
      status: 'wrong_amount',
      paymentAmount: '12.3456',
      payerAmount: '24.69',
      payerCurrency: 'USDT',
    });
    await fake.callback(under.uuid);
    confirm(cu.id, '25.8325');
    expect((await cu.c.get(`/payments/${under.id}`)).body).toMatchObject({
      state: 'partial',
      received: '25.00',
      credited: '25.8325',
    });

    // wrong_amount in the invoice's own currency without Q: P down to the cent, 7.5 -> 7.50; fee -> 7.3125
    const under2 = await start(cu.c, '10', fee);
    fake.setStatus(under2.uuid, {
      status: 'wrong_amount',
      paymentAmount: '7.509',
      payerAmount: null,
      payerCurrency: 'USD',
    });
    await fake.callback(under2.uuid);
    confirm(cu.id, '7.3125');
    expect((await cu.c.get(`/payments/${under2.id}`)).body).toMatchObject({
      state: 'partial',
      received: '7.50',
      credited: '7.3125',
    });

    // paid with a bonus: 99.99 × 1.0333 = 103.319667
    const full = await start(cu.c, '99.99', bonus);
    paid(full.uuid, '99.99');
    await fake.callback(full.uuid);
    confirm(cu.id, '103.319667');
    expect((await cu.c.get(`/payments/${full.id}`)).body.credited).toBe('103.319667');

    const cancelled = await start(cu.c, '11');
    fake.setStatus(cancelled.uuid, { status: 'cancel' });
    await fake.callback(cancelled.uuid);
    expect((await cu.c.get(`/payments/${cancelled.id}`)).body).toMatchObject({
      state: 'expired',
      credited: '0.00',
    });

    const failed = await start(cu.c, '12');
    fake.setStatus(failed.uuid, { status: 'fail' });
    await fake.callback(failed.uuid);
    expect((await cu.c.get(`/payments/${failed.id}`)).body).toMatchObject({
      state: 'failed',
      credited: '0.00',
    });
    for (const p of [cancelled, failed]) expect(await creditEntries(p.id)).toHaveLength(0);
    expect(formatAmount(await balance(cu.id))).toBe('166.689667');
    await books();
  });

  it('lost callbacks: the engine ends payments from the status query alone', async () => {
    const cu = await customer();
    const p1 = await start(cu.c, '21');
    const p2 = await start(cu.c, '22');
    const p3 = await start(cu.c, '23');
    paid(p1.uuid, '21');
    fake.setStatus(p2.uuid, { status: 'cancel' });
    // p3 stays unpaid ('check'): still pending after the round.
    const engine = makeEngine(db(), ctx().dialect);
    engine.ctx.secretBox = box;
    engine.advance(2 * 60_000);
    await engine.round();
    confirm(cu.id, '21');
    expect((await cu.c.get(`/payments/${p1.id}`)).body).toMatchObject({
      state: 'completed',
      credited: '21.00',
    });
    expect((await cu.c.get(`/payments/${p2.id}`)).body.state).toBe('expired');
    expect((await cu.c.get(`/payments/${p3.id}`)).body.state).toBe('pending');
    const d1 = await detail(p1.id);
    expect(d1.events.map((e) => `${e.source}:${e.outcome}`)).toEqual(['create:invoice', 'status:credited']);
    const d3 = await detail(p3.id);
    expect(d3.events.at(-1)).toMatchObject({ source: 'status', outcome: 'waiting', gatewayStatus: 'check' });
    expect(d3.payment.checks).toBeGreaterThan(0);
    // Paid later; the next due check finds it.
    paid(p3.uuid, '23');
    engine.advance(60 * 60_000);
    await engine.round();
    confirm(cu.id, '23');
    expect((await cu.c.get(`/payments/${p3.id}`)).body.state).toBe('completed');
    await books();
  });

  it('a payment whose answer cannot be booked (absurd figures) does not keep the engine from the others', async () => {
    const cu = await customer();
    const poisoned = await start(cu.c, '10');
    const good = await start(cu.c, '11');
    // paid_over with A × P / Q = 10 × 10^12: a credit no balance can hold.
    fake.setStatus(poisoned.uuid, {
      status: 'paid_over',
      paymentAmount: '1000000000000',
      payerAmount: '1',
      payerCurrency: 'USDT',
    });
    paid(good.uuid, '11');
    for (let i = 1; i <= 3; i++) {
      try {
        await checkLater(10 * i);
      } catch {
        // A fault in one payment may be reported; the others must still be checked.
      }
    }
    confirm(cu.id, '11');
    expect((await cu.c.get(`/payments/${good.id}`)).body).toMatchObject({
      state: 'completed',
      credited: '11.00',
    });
    expect((await cu.c.get(`/payments/${poisoned.id}`)).body.state).toBe('pending');
    expect(await creditEntries(poisoned.id)).toHaveLength(0);
    // Figures beyond a hundred times the invoice are left to the admin, as an event that says so.
    const seen = await db()
      .selectFrom('payment_events')
      .select('outcome')
      .where('payment_id', '=', poisoned.id)
      .where('source', '=', 'status')
      .execute();
    expect(seen.map((e) => e.outcome)).toContain('unconvertible');
    // The callback with the same figures moves nothing either.
    await fake.callback(poisoned.uuid).catch(() => undefined);
    expect((await cu.c.get(`/payments/${poisoned.id}`)).body.state).toBe('pending');
    // End it so later scenarios' checks do not meet it.
    fake.setStatus(poisoned.uuid, { status: 'cancel' });
    await fake.callback(poisoned.uuid);
    await books();
  });

  it('gateway down: the payment stays pending and is checked again later', async () => {
    const cu = await customer();
    const p = await start(cu.c, '33');
    paid(p.uuid, '33');
    for (const mode of ['503', 'destroy'] as const) {
      fake.down(true, mode);
      try {
        await checkLater(mode === '503' ? 2 : 10);
      } finally {
        fake.down(false);
      }
      const d = await detail(p.id);
      expect(d.payment.state).toBe('pending');
      expect(await balance(cu.id)).toBe(0n);
    }
    const d = await detail(p.id);
    expect(d.payment.checks).toBe(2);
    await checkLater(120);
    confirm(cu.id, '33');
    expect((await detail(p.id)).payment).toMatchObject({ state: 'completed', credited: '33.00' });
    await books();
  });

  it('the gateway refuses at creation (wrong key): 502 payment_gateway_refused and the payment failed', async () => {
    const wrong = await createMethod('Crypto with a wrong key', '0', 'not-the-key');
    const cu = await customer();
    const r = await cu.c.post('/payments', { methodId: wrong, amount: '10' });
    expect(r.status).toBe(502);
    expect(r.body.code).toBe('payment_gateway_refused');
    const list = (await cu.c.get('/payments')).body.payments as {
      id: number;
      state: string;
      methodId: number;
    }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ state: 'failed', methodId: wrong });
    const d = await detail(list[0]?.id ?? 0);
    expect(d.events.map((e) => `${e.source}:${e.outcome}`)).toEqual(['create:refused']);
    expect(d.events[0]?.body).toContain('Invalid Sign');
    await books();
  });

  it("a callback sent to another method's URL, to no method, or not JSON changes nothing and is answered alike", async () => {
    const cu = await customer();
    const p = await start(cu.c, '17');
    paid(p.uuid, '17');
    const encoded = phpJsonEncode(fake.callbackBody(p.uuid));
    const signed = `${encoded.slice(0, -1)},"sign":"${signCryptomusText(encoded, API_KEY)}"}`;
    const post = async (methodId: number | string, body: string) => {
      const r = await fetch(`${base}/api/payments/callback/${methodId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: r.status, body: await r.text() };
    };
    const ok = { status: 200, body: '{"ok":true}' };
    expect(await post(fee, signed)).toEqual(ok);
    expect(await post(999999, signed)).toEqual(ok);
    expect(await post('abc', signed)).toEqual(ok);
    expect(await post(plain, 'not json at all')).toEqual(ok);
    expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('pending');
    const unlinked = await db()
      .selectFrom('payment_events')
      .select(['method_id', 'outcome'])
      .where('payment_id', 'is', null)
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    expect(unlinked.reverse()).toEqual([
      { method_id: fee, outcome: 'unknown_payment' },
      { method_id: plain, outcome: 'malformed' },
    ]);
    // Sent where it belongs, the same text credits.
    expect(await post(plain, signed)).toEqual(ok);
    confirm(cu.id, '17');
    expect((await cu.c.get(`/payments/${p.id}`)).body).toMatchObject({
      state: 'completed',
      credited: '17.00',
    });
    await books();
  });

  it("a payment keeps the fee it started with when the method's percent changes before it is paid", async () => {
    const id = await createMethod('Crypto, fee to change', '-1');
    const cu = await customer();
    const p = await start(cu.c, '200', id);
    const token = await admin.csrfToken();
    const edit = await app.inject({
      method: 'PUT',
      url: `${A}/payment-methods/${id}`,
      headers: {
        cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': token,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({
        name: 'Crypto, fee to change',
        instructions: '',
        min: '1',
        max: '5000',
        adjustPercent: '-50',
        enabled: true,
        settings: { merchant: MERCHANT, apiKey: '', apiUrl: fake.url, lifetime: '' },
      }),
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(JSON.parse(edit.body).adjustPercent).toBe('-50');
    paid(p.uuid, '200');
    await fake.callback(p.uuid);
    confirm(cu.id, '198');
    expect((await cu.c.get(`/payments/${p.id}`)).body).toMatchObject({
      state: 'completed',
      credited: '198.00',
      adjustPercent: '-1',
    });
    await books();
  });

  it('an underpayment the figures cannot convert stays pending for the admin, who approves what arrived', async () => {
    const cu = await customer();
    const p = await start(cu.c, '60');
    fake.setStatus(p.uuid, {
      status: 'wrong_amount',
      paymentAmount: '5',
      payerAmount: null,
      payerCurrency: 'BTC',
    });
    expect(await fake.callback(p.uuid)).toEqual({ status: 200, body: '{"ok":true}' });
    let d = await detail(p.id);
    expect(d.payment.state).toBe('pending');
    expect(d.events.at(-1)).toMatchObject({ outcome: 'unconvertible', gatewayStatus: 'wrong_amount' });
    expect(await balance(cu.id)).toBe(0n);
    const r = await admin.post(`${A}/payments/${p.id}/approve`, {
      received: '41.37',
      note: 'BTC rate of the day',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    confirm(cu.id, '41.37');
    d = await detail(p.id);
    expect(d.payment).toMatchObject({ state: 'partial', received: '41.37', credited: '41.37' });
    // The gateway's later word changes nothing.
    await fake.callback(p.uuid);
    await checkLater(180);
    expect(await creditEntries(p.id)).toHaveLength(1);
    await books();
  });

  it("a panel that cannot open the method's secrets (another secrets key) refuses to start and ignores callbacks", async () => {
    const other = await buildServer({ db: db(), logLevel: 'silent', secretBox: SecretBox.ephemeral() });
    await other.listen({ port: 0, host: '127.0.0.1' });
    try {
      const otherBase = `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`;
      const cu = await customer();
      const p = await start(cu.c, '19');
      paid(p.uuid, '19');
      const encoded = phpJsonEncode(fake.callbackBody(p.uuid));
      const signed = `${encoded.slice(0, -1)},"sign":"${signCryptomusText(encoded, API_KEY)}"}`;
      const res = await fetch(`${otherBase}/api/payments/callback/${plain}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: signed,
      });
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: '{"ok":true}' });
      expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('pending');
      const last = await db()
        .selectFrom('payment_events')
        .select(['payment_id', 'outcome'])
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      expect(last).toEqual({ payment_id: null, outcome: 'secrets_unreadable' });
      // Its engine cannot ask either: the payment stays pending.
      await checkOpenPayments({ db: db(), box: SecretBox.ephemeral(), now: Date.now() + 5 * 60_000 });
      expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('pending');
      // Signed in on that panel with the passwords set before (setting them again would end the sessions).
      const oc = new WebClient(other);
      expect((await oc.signIn(cu.username, PASSWORD)).status).toBe(200);
      const r = await oc.post('/payments', { methodId: plain, amount: '10' });
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('unknown_payment_method');
      const oa = new WebClient(other);
      expect((await oa.signIn(adminUsername ?? '', PASSWORD)).status).toBe(200);
      const methods = await oa.get(`${A}/payment-methods`);
      expect(methods.body.methods.find((m: { id: number }) => m.id === plain)).toMatchObject({
        secretsUnreadable: true,
        secretsSet: [],
      });
      // Customers of that panel are not offered a method it cannot run.
      const offered = await oc.get('/payment-methods');
      expect(offered.status).toBe(200);
      expect(offered.body.methods.map((m: { id: number }) => m.id)).not.toContain(plain);
      expect((await cu.c.get('/payment-methods')).body.methods.map((m: { id: number }) => m.id)).toContain(
        plain,
      );
      // The panel with the right key ends it from the gateway's callback.
      await fake.callback(p.uuid);
      confirm(cu.id, '19');
      expect((await cu.c.get(`/payments/${p.id}`)).body.state).toBe('completed');
    } finally {
      await other.close();
    }
    await books();
  });

  it('the list filters by kind: the manual queue holds manual payments only, gateways apart', async () => {
    const m = await admin.post(`${A}/payment-methods`, {
      kind: 'manual',
      name: 'Bank for the queue',
      min: '1',
      max: '100',
    });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const cu = await customer();
    const transfer = await cu.c.post('/payments', {
      methodId: m.body.id,
      amount: '12',
      reference: 'TX-queue',
    });
    expect(transfer.status).toBe(201);
    const invoice = await start(cu.c, '13');
    const ids = async (query: string) => {
      const r = await admin.get(`${A}/payments?${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.payments.map((p: { id: number }) => p.id) as number[];
    };
    const queue = await ids('state=pending&kind=manual');
    expect(queue).toContain(transfer.body.id);
    expect(queue).not.toContain(invoice.id);
    const gateways = await ids('state=pending&kind=gateway');
    expect(gateways).toContain(invoice.id);
    expect(gateways).not.toContain(transfer.body.id);
    expect((await admin.get(`${A}/payments?kind=cash`)).status).toBe(400);
    // Leave nothing pending for the scenarios after this one.
    expect((await admin.post(`${A}/payments/${transfer.body.id}/reject`, {})).status).toBe(200);
    fake.setStatus(invoice.uuid, { status: 'cancel' });
    await fake.callback(invoice.uuid);
    await books();
  });

  it('the callback endpoint is rate limited: 429 beyond the limit', async () => {
    const limited = await buildServer({
      db: db(),
      logLevel: 'silent',
      secretBox: box,
      callbackLimitPerMinute: 3,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await limited.inject({
          method: 'POST',
          url: `/api/payments/callback/${plain}`,
          headers: { 'content-type': 'application/json' },
          payload: '{"uuid":"x","status":"paid","sign":"00000000000000000000000000000000"}',
        });
        statuses.push(r.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await limited.close();
    }
    await books();
  });
});
