/**
 * Adding funds with a manual method (a transfer an admin checks by hand), on SQLite and Postgres,
 * through the web and admin faces: every error answer of starting a payment, approve (with what really
 * arrived) and reject, two admins deciding at the same moment, who may do what (support reads, only
 * admins move money or edit methods), reversals that the balance covers or not, the audit trail, and
 * the payment methods' admin (validation per field, a gateway's API key never answered nor audited,
 * an edit with an empty key keeping the stored one). The ledger check finds nothing at the end.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount, toUnits } from '../src/money.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { type FakeCryptomus, startFakeCryptomus } from './helpers/fake-cryptomus.js';
import { signedInClient, WebClient } from './helpers/web.js';

const A = '/api/admin';
const MERCHANT = '0d3c2b1a-0000-4000-8000-0000000000aa';
const API_KEY = 'very-secret-cryptomus-key-42';

const units = (text: string): bigint => {
  const u = parseAmount(text);
  if (u === null) throw new Error(`bad amount ${text}`);
  return u;
};

describeEachDb('manual payments and payment methods', (ctx) => {
  let app: FastifyInstance;
  let fake: FakeCryptomus;
  let admin: WebClient;
  let admin2: WebClient;
  let support: WebClient;
  let noSession: WebClient;
  /** Bank transfer: 5 to 1000, fee -2 %. */
  let bank: number;
  let serviceId: number;
  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const username = uniqueName(role);
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, role } });
    if (!r.ok) throw new Error(r.failure.code);
    return signedInClient(app, db(), username);
  }

  async function customer(balance = '0') {
    const u = await seedUser(db(), balance);
    return { ...u, c: await signedInClient(app, db(), u.username) };
  }

  async function put(c: WebClient, path: string, body: unknown) {
    const token = await c.csrfToken();
    const res = await app.inject({
      method: 'PUT',
      url: path,
      headers: {
        cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': token,
        'content-type': 'application/json',
      },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: JSON.parse(res.body), raw: res.body };
  }

  async function file(c: WebClient, amount: string, methodId = bank): Promise<number> {
    const r = await c.post('/payments', { methodId, amount, reference: `transfer ${amount}` });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ state: 'pending', amount: formatAmount(units(amount)), payUrl: null });
    return r.body.id as number;
  }

  async function balance(userId: number): Promise<bigint> {
    const row = await db()
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return toUnits(row.balance_units);
  }

  async function entries(paymentId: number, kind: string) {
    return db()
      .selectFrom('ledger_entries')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .where('kind', '=', kind)
      .execute();
  }

  async function audit(action: string) {
    const r = await admin.get(`${A}/audit?action=${action}&limit=200`);
    expect(r.status).toBe(200);
    return r.body.entries as {
      action: string;
      subject: string;
      before: unknown;
      after: unknown;
      note: string | null;
    }[];
  }

  const method = (over: Record<string, unknown> = {}) => ({
    kind: 'manual',
    name: 'Bank transfer',
    instructions: 'IBAN XX00 0000, your username as the reference',
    min: '5',
    max: '1000',
    adjustPercent: '-2',
    enabled: true,
    settings: {},
    ...over,
  });

  const cryptomus = (over: Record<string, unknown> = {}, settings: Record<string, string> = {}) => ({
    kind: 'cryptomus',
    name: 'Crypto',
    instructions: '',
    min: '1',
    max: '500',
    adjustPercent: '0',
    enabled: true,
    settings: { merchant: MERCHANT, apiKey: API_KEY, apiUrl: fake.url, lifetime: '', ...settings },
    ...over,
  });

  beforeAll(async () => {
    fake = await startFakeCryptomus({ merchant: MERCHANT, apiKey: API_KEY });
    app = await makeApi(db(), {});
    await adminActor(db());
    serviceId = await seedService(db(), { rate: '10', min: 10, max: 100000 });
    admin = await staff('admin');
    admin2 = await staff('admin');
    support = await staff('support');
    noSession = new WebClient(app);
    const r = await admin.post(`${A}/payment-methods`, method());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    bank = r.body.id;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('a customer files a payment; every error answer of starting one', async () => {
    const cu = await customer();
    const methods = await cu.c.get('/payment-methods');
    expect(methods.status).toBe(200);
    expect(methods.body.methods).toContainEqual(
      expect.objectContaining({ id: bank, kind: 'manual', automatic: false, min: '5.00', max: '1000.00' }),
    );
    const id = await file(cu.c, '10.5');
    const shown = await cu.c.get(`/payments/${id}`);
    expect(shown.body).toMatchObject({ id, state: 'pending', reference: 'transfer 10.5', credited: '0.00' });

    const start = (body: Record<string, unknown>, c = cu.c, opts: { csrf?: boolean } = {}) =>
      c.post('/payments', body, opts);
    const expectFail = async (
      body: Record<string, unknown>,
      status: number,
      code: string,
      c = cu.c,
      opts: { csrf?: boolean } = {},
    ) => {
      const r = await start(body, c, opts);
      expect(r.status, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body.code).toBe(code);
      return r;
    };
    await expectFail({ methodId: 999999, amount: '10', reference: 'x' }, 404, 'unknown_payment_method');
    const disabled = await admin.post(`${A}/payment-methods`, method({ name: 'Old bank', enabled: false }));
    expect(disabled.status).toBe(201);
    await expectFail(
      { methodId: disabled.body.id, amount: '10', reference: 'x' },
      404,
      'unknown_payment_method',
    );
    await expectFail({ methodId: bank, amount: '', reference: 'x' }, 400, 'bad_request');
    for (const amount of ['abc', '0', '-5', '10.001', '1e3', '0.00'])
      await expectFail({ methodId: bank, amount, reference: 'x' }, 422, 'invalid_payment_amount');
    const below = await expectFail(
      { methodId: bank, amount: '4.99', reference: 'x' },
      422,
      'payment_below_min',
    );
    expect(below.body.params).toEqual({ min: '5.00' });
    const above = await expectFail(
      { methodId: bank, amount: '1000.01', reference: 'x' },
      422,
      'payment_above_max',
    );
    expect(above.body.params).toEqual({ max: '1000.00' });
    for (const reference of [undefined, '', '   ', 'a\u0007b', 'r'.repeat(201)]) {
      const body: Record<string, unknown> = { methodId: bank, amount: '10' };
      if (reference !== undefined) body.reference = reference;
      const r = await start(body);
      expect([400, 422], JSON.stringify(r.body)).toContain(r.status);
      if (r.status === 422) expect(r.body.code).toBe('invalid_payment_reference');
    }
    await expectFail({ methodId: bank, amount: '10', reference: 'x' }, 401, 'no_session', noSession);
    const noCsrf = await start({ methodId: bank, amount: '10', reference: 'x' }, cu.c, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf');

    // Nothing above was filed: the customer still has one payment.
    expect((await cu.c.get('/payments')).body.payments).toHaveLength(1);
    // Ten pending at once, the eleventh refused.
    for (let i = 1; i < 10; i++) await file(cu.c, `${10 + i}`);
    const eleventh = await expectFail(
      { methodId: bank, amount: '10', reference: 'x' },
      409,
      'too_many_pending_payments',
    );
    expect(eleventh.body.params).toEqual({ max: '10' });
    expect((await cu.c.get('/payments?limit=50')).body.payments).toHaveLength(10);

    // Another customer's payment is 404 like a missing one; so is the admin's view for a customer.
    const other = await customer();
    const notMine = await other.c.get(`/payments/${id}`);
    expect(notMine.status).toBe(404);
    expect(notMine.body.code).toBe('unknown_payment');
    expect((await other.c.get('/payments/99999999')).body).toEqual(notMine.body);
    expect((await noSession.get(`/payments/${id}`)).status).toBe(401);
    // Rejecting them all leaves room again.
    for (const p of (await cu.c.get('/payments?limit=50')).body.payments as { id: number }[]) {
      expect((await admin.post(`${A}/payments/${p.id}/reject`, { note: 'no transfer' })).status).toBe(200);
    }
    await file(cu.c, '10');
    expect(await balance(cu.id)).toBe(0n);
  });

  it('approve with less than asked is partial, credited with the fee; reject changes nothing; decided ones 409', async () => {
    const cu = await customer();
    const id = await file(cu.c, '100');
    const r = await admin.post(`${A}/payments/${id}/approve`, { received: '80.5', note: 'short transfer' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // 80.50 × 0.98 = 78.89
    expect(r.body).toMatchObject({
      state: 'partial',
      received: '80.50',
      credited: '78.89',
      note: 'short transfer',
    });
    expect(formatAmount(await balance(cu.id))).toBe('78.89');
    expect((await cu.c.get(`/payments/${id}`)).body).toMatchObject({ state: 'partial', credited: '78.89' });
    const credit = await entries(id, 'payment_credit');
    expect(credit).toHaveLength(1);
    expect(toUnits(credit[0]?.amount_units)).toBe(units('78.89'));

    const full = await file(cu.c, '50');
    // A typo beyond the method's largest amount is refused, and changes nothing.
    const typo = await admin.post(`${A}/payments/${full}/approve`, { received: '922337203685' });
    expect(typo.status).toBe(422);
    expect(typo.body.code).toBe('payment_above_max');
    expect((await cu.c.get(`/payments/${full}`)).body.state).toBe('pending');
    const f = await admin.post(`${A}/payments/${full}/approve`, {});
    expect(f.body).toMatchObject({ state: 'completed', received: '50.00', credited: '49.00' });

    const rejected = await file(cu.c, '20');
    const j = await admin.post(`${A}/payments/${rejected}/reject`, { note: 'no such transfer' });
    expect(j.status).toBe(200);
    expect(j.body).toMatchObject({ state: 'rejected', credited: '0.00', note: 'no such transfer' });
    expect(formatAmount(await balance(cu.id))).toBe('127.89');

    for (const [pid, state] of [
      [id, 'partial'],
      [full, 'completed'],
      [rejected, 'rejected'],
    ] as const) {
      const again = await admin.post(`${A}/payments/${pid}/approve`, {});
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'payment_not_pending',
        params: { paymentId: String(pid), state },
      });
      expect((await admin.post(`${A}/payments/${pid}/reject`, {})).status).toBe(409);
    }
    expect((await admin.post(`${A}/payments/99999999/approve`, {})).status).toBe(404);
    const bad = await file(cu.c, '10');
    expect((await admin.post(`${A}/payments/${bad}/approve`, { received: 'lots' })).status).toBe(422);
    expect((await admin.post(`${A}/payments/${bad}/approve`, { received: '-1' })).status).toBe(422);
    expect((await admin.post(`${A}/payments/${bad}/approve`, { received: '1.001' })).status).toBe(422);
    expect((await admin.post(`${A}/payments/${bad}/approve`, { note: 'n'.repeat(501) })).status).toBe(422);
    expect((await cu.c.get(`/payments/${bad}`)).body.state).toBe('pending');
    expect(formatAmount(await balance(cu.id))).toBe('127.89');
    // More than asked arrived: completed, credited what arrived (with the fee).
    const more = await admin.post(`${A}/payments/${bad}/approve`, { received: '12.5' });
    expect(more.body).toMatchObject({
      state: 'completed',
      amount: '10.00',
      received: '12.50',
      credited: '12.25',
    });
    expect(formatAmount(await balance(cu.id))).toBe('140.14');

    const approves = await audit('payment.approve');
    expect(approves.filter((e) => e.subject.includes(String(id)))).toHaveLength(1);
    const rejects = await audit('payment.reject');
    expect(rejects.find((e) => e.subject.includes(String(rejected)))?.note).toBe('no such transfer');
  });

  it('two admins approve the same payment at the same moment, 10 rounds: one credit, the other 409; a double click too', async () => {
    const cu = await customer();
    let want = 0n;
    for (let round = 0; round < 10; round++) {
      const id = await file(cu.c, '10');
      const clicks =
        round % 2 === 0
          ? [admin.post(`${A}/payments/${id}/approve`, {}), admin2.post(`${A}/payments/${id}/approve`, {})]
          : [admin.post(`${A}/payments/${id}/approve`, {}), admin.post(`${A}/payments/${id}/approve`, {})];
      const answers = await Promise.all(clicks);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)?.body.code).toBe('payment_not_pending');
      expect(await entries(id, 'payment_credit')).toHaveLength(1);
      want += units('9.80');
      expect(await balance(cu.id)).toBe(want);
    }
    // Approve and reject at once: one wins.
    for (let round = 0; round < 5; round++) {
      const id = await file(cu.c, '10');
      const [ap, rj] = await Promise.all([
        admin.post(`${A}/payments/${id}/approve`, {}),
        admin2.post(`${A}/payments/${id}/reject`, {}),
      ]);
      expect([ap.status, rj.status].sort()).toEqual([200, 409]);
      if (ap.status === 200) want += units('9.80');
      expect(await entries(id, 'payment_credit')).toHaveLength(ap.status === 200 ? 1 : 0);
      expect(await balance(cu.id)).toBe(want);
    }
  });

  it('support reads payments but never moves money nor edits methods; a customer gets 403', async () => {
    const cu = await customer();
    const id = await file(cu.c, '25');
    const list = await support.get(`${A}/payments?state=pending&limit=100`);
    expect(list.status).toBe(200);
    expect(list.body.payments.map((p: { id: number }) => p.id)).toContain(id);
    const shown = await support.get(`${A}/payments/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.payment).toMatchObject({ id, state: 'pending', username: cu.username });
    for (const path of ['approve', 'reject', 'reverse']) {
      const r = await support.post(`${A}/payments/${id}/${path}`, { note: 'try' });
      expect(r.status, path).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    expect((await support.get(`${A}/payment-methods`)).status).toBe(403);
    expect((await support.post(`${A}/payment-methods`, method({ name: 'Support bank' }))).status).toBe(403);
    expect(
      (await put(support, `${A}/payment-methods/${bank}`, method({ name: 'Support bank' }))).status,
    ).toBe(403);
    expect((await cu.c.get(`${A}/payments`)).status).toBe(403);
    expect((await cu.c.get(`${A}/payments/${id}`)).status).toBe(403);
    expect((await cu.c.post(`${A}/payments/${id}/approve`, {})).status).toBe(403);
    expect((await noSession.get(`${A}/payments`)).status).toBe(401);
    expect((await admin.post(`${A}/payments/${id}/approve`, {}, { csrf: false })).status).toBe(403);
    expect((await cu.c.get(`/payments/${id}`)).body.state).toBe('pending');
    expect(await balance(cu.id)).toBe(0n);
    expect((await admin.get(`${A}/payments/${id}`)).body.payment.state).toBe('pending');
  });

  it('reverse: in full when the balance covers it; after spending, what is there (shortfall recorded, balance 0); twice 409', async () => {
    const cu = await customer();
    const a = await file(cu.c, '100');
    expect((await admin.post(`${A}/payments/${a}/approve`, {})).body.credited).toBe('98.00');
    const ra = await admin.post(`${A}/payments/${a}/reverse`, { note: 'chargeback A' });
    expect(ra.status, JSON.stringify(ra.body)).toBe(200);
    expect(ra.body).toMatchObject({ state: 'reversed', reversed: '98.00', shortfall: '0.00' });
    expect(await balance(cu.id)).toBe(0n);
    expect(await entries(a, 'payment_reversal')).toHaveLength(1);

    // Spend part of a credit through API v2 (an order) and part by an admin's debit.
    const b = await file(cu.c, '200');
    expect((await admin.post(`${A}/payments/${b}/approve`, { received: '150' })).body).toMatchObject({
      state: 'partial',
      credited: '147.00',
    });
    const order = await callApi(app, {
      key: cu.apiKey,
      action: 'add',
      service: serviceId,
      link: 'https://x.com/p',
      quantity: 5000,
    });
    expect(order.body.order, order.raw).toBeTypeOf('number');
    const afterOrder = await balance(cu.id);
    expect(afterOrder).toBeLessThan(units('147'));
    expect(afterOrder).toBeGreaterThan(0n);
    const debit = await adjustFunds({
      db: db(),
      actor: await adminActor(db()),
      username: cu.username,
      amountUnits: -units('20'),
    });
    expect(debit.ok).toBe(true);
    const left = afterOrder - units('20');
    expect(await balance(cu.id)).toBe(left);
    const rb = await admin.post(`${A}/payments/${b}/reverse`, { note: 'chargeback B' });
    expect(rb.status, JSON.stringify(rb.body)).toBe(200);
    expect(rb.body).toMatchObject({
      state: 'reversed',
      reversed: formatAmount(left),
      shortfall: formatAmount(units('147') - left),
    });
    expect(await balance(cu.id)).toBe(0n);

    // Nothing left at all: nothing taken, everything a shortfall, never below zero.
    const c = await file(cu.c, '10');
    await admin.post(`${A}/payments/${c}/approve`, {});
    await adjustFunds({
      db: db(),
      actor: await adminActor(db()),
      username: cu.username,
      amountUnits: -units('9.80'),
    });
    const rc = await admin.post(`${A}/payments/${c}/reverse`, { note: 'chargeback C' });
    expect(rc.body).toMatchObject({ reversed: '0.00', shortfall: '9.80' });
    expect(await entries(c, 'payment_reversal')).toHaveLength(0);
    expect(await balance(cu.id)).toBe(0n);

    for (const [pid, note] of [
      [a, 'again'],
      [b, 'again'],
    ] as const) {
      const again = await admin.post(`${A}/payments/${pid}/reverse`, { note });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'payment_not_credited', params: { state: 'reversed' } });
    }
    const pending = await file(cu.c, '10');
    expect((await admin.post(`${A}/payments/${pending}/reverse`, { note: 'x' })).status).toBe(409);
    expect((await admin.post(`${A}/payments/${a}/reverse`, { note: '' })).status).not.toBe(200);
    expect(await balance(cu.id)).toBe(0n);

    const reverses = await audit('payment.reverse');
    const rev = reverses.find((e) => e.subject.includes(String(b)));
    expect(rev?.note).toBe('chargeback B');
    expect(rev?.after).toMatchObject({ state: 'reversed', reversed: formatAmount(left) });
    expect(reverses.filter((e) => e.subject.includes(String(a)))).toHaveLength(1);
    const d = await admin.get(`${A}/payments/${b}`);
    expect(d.body.entries.map((e: { kind: string }) => e.kind)).toEqual([
      'payment_credit',
      'payment_reversal',
    ]);
  });

  it('payment methods: validation per field; the API key is never answered nor audited; an empty key keeps it', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const r = await admin.post(`${A}/payment-methods`, body);
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(422);
      expect(r.body.code).toBe('invalid_payment_method');
      expect(r.body.params?.field).toBe(field);
    };
    await bad(method({ name: '' }), 'name');
    await bad(method({ name: '   ' }), 'name');
    await bad(method({ name: 'n'.repeat(61) }), 'name');
    await bad(method({ min: '50', max: '10' }), 'max');
    await bad(method({ min: '0' }), 'min');
    await bad(method({ max: 'x' }), 'max');
    for (const adjustPercent of ['-100', '100.01', '2.555', 'ten'])
      await bad(method({ adjustPercent }), 'adjustPercent');
    await bad(method({ kind: 'paypal' }), 'kind');
    await bad(cryptomus({}, { merchant: '' }), 'merchant');
    await bad(cryptomus({}, { apiKey: '' }), 'apiKey');
    await bad(cryptomus({}, { apiUrl: 'ftp://example.com' }), 'apiUrl');
    await bad(cryptomus({}, { apiUrl: 'https://example.com/?a=1' }), 'apiUrl');
    await bad(cryptomus({}, { lifetime: '10' }), 'lifetime');

    const created = await admin.post(`${A}/payment-methods`, cryptomus({ adjustPercent: '1.5' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'cryptomus',
      automatic: true,
      adjustPercent: '1.5',
      secretsSet: ['apiKey'],
    });
    const id = created.body.id as number;
    const texts: string[] = [JSON.stringify(created.body)];

    const list = await admin.get(`${A}/payment-methods`);
    texts.push(JSON.stringify(list.body));
    expect(list.body.kinds.map((k: { kind: string }) => k.kind).sort()).toEqual(['cryptomus', 'manual']);

    // An edit with the key left empty keeps the stored one.
    const edited = await put(admin, `${A}/payment-methods/${id}`, {
      name: 'Crypto (USDT)',
      instructions: 'Pay in USDT',
      min: '2',
      max: '400',
      adjustPercent: '0',
      enabled: true,
      settings: { merchant: MERCHANT, apiKey: '', apiUrl: fake.url, lifetime: '900' },
    });
    expect(edited.status, edited.raw).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Crypto (USDT)',
      secretsSet: ['apiKey'],
      config: { lifetime: '900' },
    });
    texts.push(edited.raw);
    const badEdit = await put(admin, `${A}/payment-methods/${id}`, {
      ...cryptomus({ min: '9', max: '1' }),
      kind: undefined,
    });
    expect(badEdit.status).toBe(422);
    texts.push(badEdit.raw);

    const cu = await customer();
    const customerMethods = await cu.c.get('/payment-methods');
    texts.push(JSON.stringify(customerMethods.body));
    const before = fake.invoices.size;
    const started = await cu.c.post('/payments', { methodId: id, amount: '12' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body.payUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//);
    expect(fake.invoices.size).toBe(before + 1);
    const inv = [...fake.invoices.values()].find((i) => i.orderId === String(started.body.id));
    expect(inv?.lifetime).toBe(900);
    texts.push(JSON.stringify((await admin.get(`${A}/payments/${started.body.id}`)).body.payment));

    // A new key, sent as an edit, replaces the old (the fake now refuses: the method uses the new one).
    const rekeyed = await put(admin, `${A}/payment-methods/${id}`, {
      name: 'Crypto (USDT)',
      instructions: '',
      min: '2',
      max: '400',
      adjustPercent: '0',
      enabled: true,
      settings: { merchant: MERCHANT, apiKey: 'another-key', apiUrl: fake.url, lifetime: '' },
    });
    expect(rekeyed.status).toBe(200);
    texts.push(rekeyed.raw);
    const refused = await cu.c.post('/payments', { methodId: id, amount: '12' });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe('payment_gateway_refused');

    const auditAll = await admin.get(`${A}/audit?limit=200`);
    expect(auditAll.status).toBe(200);
    const methodAudit = (auditAll.body.entries as { action: string }[]).filter((e) =>
      e.action.startsWith('payment_method.'),
    );
    expect(methodAudit.length).toBeGreaterThanOrEqual(3);
    texts.push(JSON.stringify(auditAll.body));
    for (const t of texts) {
      expect(t).not.toContain(API_KEY);
      expect(t).not.toContain('another-key');
    }
    // The sealed secrets in the table are not the key either.
    const row = await db()
      .selectFrom('payment_methods')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('another-key');
  });

  it('fifteen starts at the same moment, 5 rounds: never more than ten pending', async () => {
    const counts: number[] = [];
    for (let round = 0; round < 5; round++) {
      const cu = await customer();
      await cu.c.csrfToken();
      const answers = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          cu.c.post('/payments', { methodId: bank, amount: `${10 + i}`, reference: `race ${i}` }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      counts.push(statuses.filter((s) => s === 201).length);
      expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
      expect((await cu.c.get('/payments?limit=50')).body.payments.length).toBe(counts.at(-1));
    }
    expect(counts).toEqual([10, 10, 10, 10, 10]);
  });

  it('two reversals at once, and a reversal racing an order: taken once, never below zero', async () => {
    for (let round = 0; round < 5; round++) {
      const cu = await customer();
      const id = await file(cu.c, '100');
      expect((await admin.post(`${A}/payments/${id}/approve`, {})).status).toBe(200);
      const [r1, r2] = await Promise.all([
        admin.post(`${A}/payments/${id}/reverse`, { note: 'chargeback 1' }),
        admin2.post(`${A}/payments/${id}/reverse`, { note: 'chargeback 2' }),
      ]);
      expect([r1.status, r2.status].sort()).toEqual([200, 409]);
      expect(await entries(id, 'payment_reversal')).toHaveLength(1);
      expect(await balance(cu.id)).toBe(0n);
    }
    for (let round = 0; round < 5; round++) {
      const cu = await customer();
      const id = await file(cu.c, '100');
      expect((await admin.post(`${A}/payments/${id}/approve`, {})).status).toBe(200);
      const [rev, order] = await Promise.all([
        admin.post(`${A}/payments/${id}/reverse`, { note: 'chargeback' }),
        callApi(app, {
          key: cu.apiKey,
          action: 'add',
          service: serviceId,
          link: 'https://x.com/r',
          quantity: 5000,
        }),
      ]);
      expect(rev.status).toBe(200);
      const left = await balance(cu.id);
      expect(left >= 0n).toBe(true);
      expect(typeof order.body.order === 'number' || order.body.error !== undefined, order.raw).toBe(true);
      // Whatever the order took, the reversal took the rest, and the two add up to the credit.
      const spent = (
        await db()
          .selectFrom('ledger_entries')
          .select(['amount_units'])
          .where('user_id', '=', cu.id)
          .where('kind', 'not in', ['payment_credit', 'payment_reversal'])
          .execute()
      ).reduce((sum, e) => sum + toUnits(e.amount_units), 0n);
      expect(units(rev.body.reversed) + units(rev.body.shortfall)).toBe(units('98'));
      expect(left).toBe(0n);
      expect(-spent).toBe(units(rev.body.shortfall));
    }
  });

  it('the books balance at the end', async () => {
    const check = await checkLedger({ db: db() });
    expect(check.problems).toEqual([]);
  });
});
