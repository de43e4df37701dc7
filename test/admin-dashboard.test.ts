/**
 * The admin dashboard and CSV exports (/api/admin/dashboard, /api/admin/exports/*.csv) on SQLite and
 * Postgres. A period is seeded through the real use cases and the real engine against a scripted
 * upstream (completed, partial with a refund, canceled before sending with a full refund, a manual
 * order with unknown cost, one placed 40 days ago, a drip-feed split into runs, one of them silent
 * about its cost); the dashboard's revenue must equal a plain SQL sum over ledger_entries and its cost
 * the orders' recorded provider charges. Only an admin may read it (none 401, customer and support
 * 403); a provider that fails shows its error. Exports: RFC 4180 quoting, the formula guard, period
 * errors (400 with a code, nothing audited) and one audit entry per export. Payments through a manual
 * method (approved short, approved then reversed, one waiting): money in per period equals the ledger's
 * payment credits minus reversals, the queue counts the waiting one, and payments.csv lists them.
 */

import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { raiseAlert } from '../src/alerts/alerts.repo.js';
import { SYSTEM } from '../src/audit/actor.js';
import { requestCancel } from '../src/cancels/request-cancel.js';
import { adjustFunds } from '../src/ledger/adjust-funds.js';
import { parseAmount, toUnits } from '../src/money.js';
import { placeOrder } from '../src/orders/place-order.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { approvePayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { reversePayment } from '../src/payments/reverse-payment.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { csvField, csvLine } from '../src/reports/csv.js';
import { exportOrders } from '../src/reports/export-orders.js';
import { exportPayments } from '../src/reports/export-payments.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  closedPort,
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const DAY = 86_400_000;
const D = '/api/admin/dashboard';

/** An exact decimal from the API in units; throws on anything else. */
function units(text: string): bigint {
  const v = parseAmount(text.replace(/^-/, ''));
  if (v === null) throw new Error(`not an amount: ${text}`);
  return text.startsWith('-') ? -v : v;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A GET answered as text (the CSV), with the headers. */
async function getText(app: FastifyInstance, client: WebClient, path: string) {
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app.inject({ method: 'GET', url: path, headers: { cookie } });
  return { status: res.statusCode, text: res.body, headers: res.headers };
}

/** A minimal RFC 4180 reader, written apart from the writer, to read the exports back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

describeEachDb('admin dashboard and exports', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;
  let up: ScriptedUpstream;
  let slow: ScriptedUpstream;
  const db = () => ctx().db.db;
  type Named =
    | 'completed'
    | 'partial'
    | 'canceled'
    | 'drip'
    | 'manual'
    | 'waiting'
    | 'old'
    | 'subscription'
    | 'goodProvider'
    | 'deadProvider'
    | 'slowProvider'
    | 'paidPartly'
    | 'paidReversed'
    | 'paymentWaiting'
    | 'paymentMethod';
  const ids = {} as Record<Named, number>;
  let manualServiceName = '';

  async function staff(role: 'admin' | 'support') {
    const r = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: uniqueName(`s${role}`), role },
    });
    if (!r.ok) throw new Error(r.failure.code);
    return signedInClient(app, db(), r.value.username, { password: PASSWORD });
  }

  async function row(id: number) {
    return db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  beforeAll(async () => {
    // Everything here is "today" (UTC): a file that seeds at 23:59 and asks at 00:00 would ask about
    // another day. Close to midnight, wait for the new day first (the file takes well under 3 minutes).
    const toMidnight = DAY - (Date.now() % DAY);
    if (toMidnight < 3 * 60_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
    app = await makeApi(db());
    await adminActor(db());
    admin = await staff('admin');
    support = await staff('support');
    const buyer = await seedUser(db(), '100');
    customer = await signedInClient(app, db(), buyer.username, { password: PASSWORD });
    noSession = new WebClient(app);
    const actor = await adminActor(db());

    // A provider (rate 2.00 per 1000; drip-feed split here into runs), a dead one, a slow one.
    up = await startScriptedUpstream({ services: [upstreamService(1, { rate: '2', dripfeed: false })] });
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('good'),
      url: up.url,
      apiKey: up.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const imp = await importServices({ db: db(), actor: SYSTEM, providerId: p.value.id, dripfeed: true });
    if (!imp.ok) throw new Error(JSON.stringify(imp.failure));
    const svc = Number(
      (
        await db()
          .selectFrom('services')
          .select('id')
          .where('provider_id', '=', p.value.id)
          .executeTakeFirstOrThrow()
      ).id,
    );
    const dead = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('dead'),
      url: `http://127.0.0.1:${await closedPort()}/api/v2`,
      apiKey: 'k',
      check: false,
    });
    if (!dead.ok) throw new Error(JSON.stringify(dead.failure));
    slow = await startScriptedUpstream();
    slow.handlers.balance = () => ({ hang: true });
    const sl = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('slow'),
      url: slow.url,
      apiKey: slow.key,
      check: false,
    });
    if (!sl.ok) throw new Error(JSON.stringify(sl.failure));
    ids.deadProvider = dead.value.id;
    ids.slowProvider = sl.value.id;
    ids.goodProvider = p.value.id;

    // A manual service whose name a spreadsheet would run as a formula, with a comma and quotes.
    manualServiceName = '=HYPERLINK("http://evil.example"),"Likes"';
    const manual = await seedService(db(), { name: manualServiceName, rate: '3', cancel: true });

    const place = async (service: number, fields: Record<string, string>, now?: number) => {
      const r = await placeOrder({
        db: db(),
        userId: buyer.id,
        serviceId: String(service),
        params: { get: (n) => fields[n], isMalformed: () => false },
        ...(now !== undefined ? { now } : {}),
      });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.value.orderId;
    };
    const link = (tag: string) => `https://instagram.com/p/${tag}-${process.pid}`;

    ids.completed = await place(svc, { link: link('done'), quantity: '1000' });
    ids.partial = await place(svc, { link: link('part'), quantity: '1000' });
    ids.canceled = await place(svc, { link: link('cancel'), quantity: '1000' });
    // The drip-feed's second run goes to an upstream that never says what it cost.
    let dripAdds = 0;
    up.handlers.add = (params, u) => {
      if (params.link !== link('drip')) return undefined;
      const o = u.createOrder(params);
      if (++dripAdds === 2) o.entry = { status: 'Pending', remains: params.quantity, start_count: '0' };
      return { json: { order: Number(o.id) } };
    };
    ids.drip = await place(svc, { link: link('drip'), quantity: '100', runs: '2', interval: '1' });
    // Canceled before any worker sent it: a full refund, and no provider ever had it.
    const c = await setOrderStatus({
      db: db(),
      actor,
      orderId: ids.canceled,
      change: { status: 'canceled' },
    });
    if (!c.ok) throw new Error(JSON.stringify(c.failure));
    // Manual: completed by hand, its cost is unknown.
    ids.manual = await place(manual, { link: link('manual'), quantity: '1000' });
    const m = await setOrderStatus({ db: db(), actor, orderId: ids.manual, change: { status: 'completed' } });
    if (!m.ok) throw new Error(JSON.stringify(m.failure));
    // Manual and still waiting, with a cancel request (the decision queue).
    ids.waiting = await place(manual, { link: link('waiting'), quantity: '100' });
    const rc = await requestCancel({ db: db(), userId: buyer.id, orderId: ids.waiting });
    if (!rc.ok) throw new Error(JSON.stringify(rc.failure));
    // A subscription without a post limit: its reserve is set aside through the ledger, not revenue.
    const subs = await seedService(db(), { name: 'Auto likes', type: 'Subscriptions', rate: '1', min: 50 });
    ids.subscription = await place(subs, { username: `fan${process.pid}`, min: '100', max: '100' });
    // 40 days ago, completed then: outside every period.
    const old = Date.now() - 40 * DAY;
    ids.old = await place(manual, { link: link('old'), quantity: '1000' }, old);
    const o = await setOrderStatus({
      db: db(),
      actor,
      orderId: ids.old,
      change: { status: 'completed' },
      now: old + 1000,
    });
    if (!o.ok) throw new Error(JSON.stringify(o.failure));

    // The engine sends them; the upstream reports their ends and costs.
    const e = makeEngine(db(), ctx().dialect);
    const sent = async (id: number) => (await row(id)).dispatch_state === 'sent';
    await e.until(async () => (await sent(ids.completed)) && (await sent(ids.partial)), 5, 'sent');
    const upstreamId = async (id: number) => String((await row(id)).provider_order_id);
    up.setStatus(await upstreamId(ids.completed), {
      status: 'Completed',
      remains: '0',
      charge: '1.2345',
      currency: 'USD',
    });
    up.setStatus(await upstreamId(ids.partial), {
      status: 'Partial',
      remains: '400',
      charge: '0.70',
      currency: 'USD',
    });
    const runs = () =>
      db()
        .selectFrom('orders')
        .selectAll()
        .where('parent_order_id', '=', ids.drip)
        .orderBy('run_index')
        .execute();
    await e.until(async () => (await runs()).length === 1 && (await runs())[0]?.dispatch_state === 'sent', 5);
    up.setStatus(String((await runs())[0]?.provider_order_id), {
      status: 'Completed',
      remains: '0',
      charge: '0.15',
    });
    await e.rounds(2);
    e.advance(61_000);
    await e.until(async () => (await runs()).length === 2 && (await runs())[1]?.dispatch_state === 'sent', 5);
    // The second run's upstream says nothing about its cost.
    up.setStatus(String((await runs())[1]?.provider_order_id), { status: 'Completed', remains: '0' });
    await e.until(
      async () =>
        (await row(ids.completed)).status === 'completed' &&
        (await row(ids.partial)).status === 'partial' &&
        (await row(ids.drip)).status === 'completed',
      6,
      'settled',
    );

    // What waits for a decision: a ticket, an alert.
    const t = await openTicket({ db: db(), userId: buyer.id, subject: 'other', message: 'Hello?' });
    if (!t.ok) throw new Error(JSON.stringify(t.failure));
    await raiseAlert(db(), { kind: 'test', message: 'look at this' });

    // Payments through a manual method (its name a formula, for the export): one approved with less
    // than asked (partial, 15.00 of 20.00 credited), one approved then reversed (10.00 in, 10.00 back),
    // one still waiting for an admin.
    const box = SecretBox.ephemeral();
    const method = await createPaymentMethod({
      db: db(),
      box,
      actor,
      kind: 'manual',
      input: {
        name: '=Bank, "wire"',
        instructions: 'IBAN ...',
        min: '1',
        max: '1000',
        adjustPercent: '0',
        enabled: true,
        settings: {},
      },
    });
    if (!method.ok) throw new Error(JSON.stringify(method.failure));
    ids.paymentMethod = method.value.id;
    const pay = async (amount: string, reference: string) => {
      const r = await startPayment({
        db: db(),
        box,
        userId: buyer.id,
        methodId: method.value.id,
        amount,
        reference,
      });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.value.id;
    };
    ids.paidPartly = await pay('20', '+REF-1');
    ids.paidReversed = await pay('10', 'REF-2');
    ids.paymentWaiting = await pay('5', 'REF-3');
    const a1 = await approvePayment({ db: db(), actor, paymentId: ids.paidPartly, received: '15' });
    if (!a1.ok) throw new Error(JSON.stringify(a1.failure));
    const a2 = await approvePayment({ db: db(), actor, paymentId: ids.paidReversed });
    if (!a2.ok) throw new Error(JSON.stringify(a2.failure));
    const rv = await reversePayment({ db: db(), actor, paymentId: ids.paidReversed, note: 'chargeback' });
    if (!rv.ok) throw new Error(JSON.stringify(rv.failure));
  }, 300_000);

  afterAll(async () => {
    await app.close();
    await up?.close();
    await slow?.close();
  });

  describe('who may call', () => {
    it('no session 401, a customer and support 403 on the dashboard and both exports; nothing audited', async () => {
      const exports = () =>
        db().selectFrom('audit_log').select('id').where('action', 'like', 'export.%').execute();
      const before = (await exports()).length;
      const today = utcDay(Date.now());
      for (const [c, status, code] of [
        [noSession, 401, 'no_session'],
        [customer, 403, 'forbidden'],
        [support, 403, 'forbidden'],
      ] as const) {
        const r = await c.get(D);
        expect([r.status, r.body.code]).toEqual([status, code]);
        for (const what of ['orders', 'ledger', 'payments']) {
          const x = await getText(app, c, `/api/admin/exports/${what}.csv?from=${today}&to=${today}`);
          expect([x.status, JSON.parse(x.text).code]).toEqual([status, code]);
        }
      }
      expect((await exports()).length).toBe(before);
    });
  });

  describe('the figures', () => {
    it('revenue equals the ledger (charges minus refunds), cost the orders’ recorded provider charges, unknown counted apart', async () => {
      const r = await admin.get(D);
      expect(r.status).toBe(200);
      const dash = r.body;
      const today = Math.floor(Date.parse(dash.at) / DAY);
      expect(dash.currency).toBe('USD');

      // Independently: plain sums over the same UTC days.
      const ledgerRevenue = async (days: number) => {
        const s = await db()
          .selectFrom('ledger_entries')
          .select(sql<string | number | null>`sum(amount_units)`.as('s'))
          .where('kind', 'in', ['order_charge', 'order_refund'])
          .where('created_at', '>=', (today - days + 1) * DAY)
          .where('created_at', '<', (today + 1) * DAY)
          .executeTakeFirstOrThrow();
        return -toUnits(s.s ?? 0);
      };
      for (const [key, days] of [
        ['today', 1],
        ['last7Days', 7],
        ['last30Days', 30],
      ] as const) {
        expect(units(dash.periods[key].revenue)).toBe(await ledgerRevenue(days));
      }
      // completed 2.00 + partial 2.00 − 0.80 + canceled 2.00 − 2.00 + drip 0.40 + manual 3.00 + waiting 0.30.
      expect(dash.periods.today.revenue).toBe('6.90');
      // The subscription's reserve (0.10) moved the balance but is no revenue.
      const reserve = await db()
        .selectFrom('ledger_entries')
        .select(['kind', 'amount_units'])
        .where('order_id', '=', ids.subscription)
        .execute();
      expect(reserve.map((e) => [e.kind, toUnits(e.amount_units)])).toEqual([
        ['order_reserve', -units('0.10')],
      ]);
      // The order of 40 days ago is in no period: its 3.00 is not revenue now.
      expect(dash.periods.last30Days.revenue).toBe('6.90');

      // Cost: what the orders recorded (the drip-feed's runs included), all placed today.
      const recorded = await db()
        .selectFrom('orders')
        .select(sql<string | number | null>`sum(provider_charge_units)`.as('s'))
        .where('created_at', '>=', today * DAY)
        .executeTakeFirstOrThrow();
      expect(units(dash.periods.today.cost)).toBe(toUnits(recorded.s ?? 0));
      expect(dash.periods.today.cost).toBe('2.0845'); // 1.2345 + 0.70 + 0.15
      // Unknown: the manual order, the waiting manual order, the manual subscription, the drip-feed
      // whose second run is silent; not the order canceled before it was sent (it cost nothing).
      expect(dash.periods.today.costUnknownOrders).toBe(4);
      expect(dash.periods.today.profit).toBe('4.8155');
      // Customer orders: seven today (runs not counted), none more in 30 days (the old one is 40 days back).
      expect(dash.periods.today.orders).toBe(7);
      expect(dash.periods.last7Days).toEqual(dash.periods.today);
      expect(dash.periods.last30Days).toEqual(dash.periods.today);

      // The series: 30 UTC days ending today; its sums are the 30 days' figures.
      expect(dash.days).toHaveLength(30);
      expect(dash.days.at(-1)).toMatchObject({ day: utcDay(today * DAY), ...dash.periods.today });
      expect(dash.days[0].day).toBe(utcDay((today - 29) * DAY));
      const sum = (k: 'revenue' | 'profit' | 'paymentsIn') =>
        dash.days.reduce((a: bigint, d: Record<string, string>) => a + units(d[k] as string), 0n);
      expect(sum('revenue')).toBe(units(dash.periods.last30Days.revenue));
      expect(sum('profit')).toBe(units(dash.periods.last30Days.profit));
      expect(sum('paymentsIn')).toBe(units(dash.periods.last30Days.paymentsIn));
    });

    it('payments in: credits minus reversals as the ledger wrote them, apart from revenue', async () => {
      const dash = (await admin.get(D)).body;
      const today = Math.floor(Date.parse(dash.at) / DAY);
      // Independently: a plain sum over the ledger's payment kinds, today.
      const s = await db()
        .selectFrom('ledger_entries')
        .select(sql<string | number | null>`sum(amount_units)`.as('s'))
        .where('kind', 'in', ['payment_credit', 'payment_reversal'])
        .where('created_at', '>=', today * DAY)
        .executeTakeFirstOrThrow();
      expect(units(dash.periods.today.paymentsIn)).toBe(toUnits(s.s ?? 0));
      // 15.00 (partial) + 10.00 − 10.00 (reversed); the waiting 5.00 is not in.
      expect(dash.periods.today.paymentsIn).toBe('15.00');
      expect(dash.periods.last7Days.paymentsIn).toBe('15.00');
      expect(dash.days.at(-1).paymentsIn).toBe('15.00');
      expect(dash.days[0].paymentsIn).toBe('0.00');
      // Not revenue.
      expect(dash.periods.today.revenue).toBe('6.90');
    });

    it('the decision queue counts what waits; each provider shows its balance or its error, none crashes it', async () => {
      const r = await admin.get(D);
      expect(r.body.queue).toEqual({
        ordersInReview: 0,
        heldProviders: 0,
        openAlerts: 1,
        cancelRequests: 1,
        openRefills: 0,
        openTickets: 1,
        paymentsWaiting: { manual: 1, gateway: 0 },
      });
      const byId = new Map(r.body.providers.map((p: { id: number }) => [p.id, p]));
      expect(byId.get(ids.goodProvider)).toMatchObject({ balance: '100.00', currency: 'USD', error: null });
      expect(byId.get(ids.deadProvider)).toMatchObject({ balance: null, error: expect.stringContaining('') });
      expect((byId.get(ids.deadProvider) as { error: string }).error.length).toBeGreaterThan(0);
      expect(byId.get(ids.slowProvider)).toMatchObject({ balance: null, error: 'no answer within 5 s' });
    }, 20_000);
  });

  describe('exports', () => {
    it('orders.csv: header, exact amounts, ISO times, unknown cost empty, quoting and the formula guard, one audit entry', async () => {
      const today = utcDay(Date.now());
      const r = await getText(app, admin, `/api/admin/exports/orders.csv?from=${today}&to=${today}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers['content-disposition']).toBe(`attachment; filename="orders-${today}-to-${today}.csv"`);
      const rows = parseCsv(r.text);
      const header = rows[0] as string[];
      expect(header.slice(0, 4)).toEqual(['order_id', 'created_at', 'user_id', 'username']);
      const recs = rows.slice(1).map((x) => Object.fromEntries(header.map((h, i) => [h, x[i]])));
      const byId = new Map(recs.map((x) => [Number(x.order_id), x]));
      // Seven customer orders and two drip-feed runs; not the one of 40 days ago.
      expect(recs).toHaveLength(9);
      expect(byId.has(ids.old)).toBe(false);
      expect(byId.get(ids.partial)).toMatchObject({
        status: 'Partial',
        charge: '2.00',
        refunded: '0.80',
        provider_cost: '0.70',
      });
      expect(byId.get(ids.completed)?.provider_cost).toBe('1.2345');
      expect(byId.get(ids.manual)).toMatchObject({
        service: `'${manualServiceName}`,
        provider_cost: '',
        status: 'Completed',
      });
      expect(byId.get(ids.manual)?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // The raw text: the name quoted, its quotes doubled, a leading ' against the formula.
      expect(r.text).toContain(`"'=HYPERLINK(""http://evil.example""),""Likes"""`);
      expect(r.text.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);

      const audit = await db()
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'export.orders')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_kind: 'web', note: `${today}..${today}` });
    });

    it('ledger.csv: signed exact amounts, notes with CR/LF and formulas kept harmless, the old period apart', async () => {
      const buyer = await seedUser(db(), '0');
      const note = '@SUM(A1:A9)\r\nsecond line, "quoted"';
      const f = await adjustFunds({
        db: db(),
        actor: await adminActor(db()),
        username: buyer.username,
        amountUnits: units('12.5'),
        note,
      });
      expect(f.ok).toBe(true);
      const today = utcDay(Date.now());
      const r = await getText(app, admin, `/api/admin/exports/ledger.csv?from=${today}&to=${today}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-disposition']).toBe(`attachment; filename="ledger-${today}-to-${today}.csv"`);
      const rows = parseCsv(r.text);
      const header = rows[0] as string[];
      expect(header).toEqual([
        'entry_id',
        'created_at',
        'user_id',
        'username',
        'kind',
        'amount',
        'balance_after',
        'order_id',
        'note',
      ]);
      const recs = rows.slice(1).map((x) => Object.fromEntries(header.map((h, i) => [h, x[i]])));
      const all = await db()
        .selectFrom('ledger_entries')
        .select('id')
        .where('created_at', '>=', Date.parse(`${today}T00:00:00Z`))
        .execute();
      expect(recs).toHaveLength(all.length);
      expect(recs.find((x) => x.username === buyer.username)).toMatchObject({
        kind: 'deposit',
        amount: '12.50',
        balance_after: '12.50',
        note: `'${note}`,
      });
      // A refund is positive, a charge negative: plain numbers, no guard.
      expect(recs.find((x) => x.kind === 'order_refund' && Number(x.order_id) === ids.partial)?.amount).toBe(
        '0.80',
      );
      expect(recs.find((x) => x.kind === 'order_charge' && Number(x.order_id) === ids.partial)?.amount).toBe(
        '-2.00',
      );

      // The period of 40 days ago has the old order's charge, and nothing of today.
      const oldDay = utcDay(Date.now() - 40 * DAY);
      const old = parseCsv(
        (await getText(app, admin, `/api/admin/exports/ledger.csv?from=${oldDay}&to=${oldDay}`)).text,
      );
      expect(old.slice(1).map((x) => [x[4], x[5], x[7]])).toEqual([
        ['order_charge', '-3.00', String(ids.old)],
      ]);
      const audit = await db()
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'export.ledger')
        .execute();
      expect(audit.map((a) => a.note)).toEqual([`${today}..${today}`, `${oldDay}..${oldDay}`]);
    });

    it('payments.csv: the columns, exact amounts, received empty while unknown, formula guard, one audit entry', async () => {
      const today = utcDay(Date.now());
      const r = await getText(app, admin, `/api/admin/exports/payments.csv?from=${today}&to=${today}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers['content-disposition']).toBe(
        `attachment; filename="payments-${today}-to-${today}.csv"`,
      );
      const rows = parseCsv(r.text);
      const header = rows[0] as string[];
      expect(header).toEqual([
        'id',
        'created_at',
        'user',
        'method',
        'state',
        'currency',
        'amount',
        'received',
        'credited',
        'reversed',
        'shortfall',
        'reference',
        'gateway_ref',
        'ended_at',
      ]);
      const recs = rows.slice(1).map((x) => Object.fromEntries(header.map((h, i) => [h, x[i]])));
      expect(recs.map((x) => Number(x.id))).toEqual([ids.paidPartly, ids.paidReversed, ids.paymentWaiting]);
      const [partly, reversed, waiting] = recs;
      expect(partly).toMatchObject({
        method: `'=Bank, "wire"`,
        state: 'partial',
        currency: 'USD',
        amount: '20.00',
        received: '15.00',
        credited: '15.00',
        reversed: '0.00',
        shortfall: '0.00',
        reference: "'+REF-1",
        gateway_ref: '',
      });
      expect(partly?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(partly?.ended_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(reversed).toMatchObject({
        state: 'reversed',
        received: '10.00',
        credited: '10.00',
        reversed: '10.00',
      });
      expect(waiting).toMatchObject({
        state: 'pending',
        amount: '5.00',
        received: '',
        credited: '0.00',
        ended_at: '',
      });
      // The raw text: the method's name quoted (comma, quotes doubled) behind the formula guard.
      expect(r.text).toContain(`"'=Bank, ""wire"""`);

      // Another period: none of them.
      const oldDay = utcDay(Date.now() - 40 * DAY);
      const old = parseCsv(
        (await getText(app, admin, `/api/admin/exports/payments.csv?from=${oldDay}&to=${oldDay}`)).text,
      );
      expect(old).toHaveLength(1);
      const audit = await db()
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'export.payments')
        .execute();
      expect(audit.map((a) => [a.actor_kind, a.note])).toEqual([
        ['web', `${today}..${today}`],
        ['web', `${oldDay}..${oldDay}`],
      ]);
    });

    it('payments.csv is read page by page, every row once', async () => {
      const today = utcDay(Date.now());
      const r = await exportPayments({
        db: db(),
        actor: await adminActor(db()),
        from: today,
        to: today,
        pageSize: 2,
      });
      if (!r.ok) throw new Error(r.failure.code);
      let text = '';
      for await (const l of r.value.lines) text += l;
      expect(
        parseCsv(text)
          .slice(1)
          .map((x) => Number(x[0])),
      ).toEqual([ids.paidPartly, ids.paidReversed, ids.paymentWaiting]);
    });

    it('bad, missing or reversed dates are 400 invalid_export_period; more than 366 days 400 export_period_too_long; nothing audited', async () => {
      const count = async () =>
        (await db().selectFrom('audit_log').select('id').where('action', 'like', 'export.%').execute())
          .length;
      const before = await count();
      for (const q of [
        '',
        '?from=2026-01-01',
        '?to=2026-01-01',
        '?from=2026-1-1&to=2026-01-02',
        '?from=2026-02-30&to=2026-03-01',
        '?from=yesterday&to=today',
        '?from=2026-03-02&to=2026-03-01',
      ]) {
        for (const what of ['orders', 'ledger', 'payments']) {
          const r = await getText(app, admin, `/api/admin/exports/${what}.csv${q}`);
          expect([r.status, JSON.parse(r.text)]).toEqual([
            400,
            {
              code: 'invalid_export_period',
              error: 'from and to must be dates (YYYY-MM-DD), from not after to',
            },
          ]);
        }
      }
      // 366 days (a leap year) pass; 367 do not.
      expect(
        (await getText(app, admin, '/api/admin/exports/orders.csv?from=2024-01-01&to=2024-12-31')).status,
      ).toBe(200);
      const long = await getText(app, admin, '/api/admin/exports/orders.csv?from=2024-01-01&to=2025-01-01');
      expect([long.status, JSON.parse(long.text)]).toMatchObject([
        400,
        { code: 'export_period_too_long', params: { maxDays: '366' } },
      ]);
      expect(await count()).toBe(before + 1);
    });

    it('a period larger than a page is read page by page, every row once', async () => {
      const today = utcDay(Date.now());
      const r = await exportOrders({
        db: db(),
        actor: await adminActor(db()),
        from: today,
        to: today,
        pageSize: 3,
      });
      if (!r.ok) throw new Error(r.failure.code);
      let text = '';
      for await (const l of r.value.lines) text += l;
      const got = parseCsv(text)
        .slice(1)
        .map((x) => Number(x[0]));
      expect(got).toHaveLength(9);
      expect(new Set(got).size).toBe(9);
      expect(got).toEqual([...got].sort((a, b) => a - b));
    });

    it('csv fields: RFC 4180 quoting and the formula guard on = + - @ tab CR, plain numbers left alone', () => {
      expect(csvField('plain')).toBe('plain');
      expect(csvField('a,b')).toBe('"a,b"');
      expect(csvField('say "hi"')).toBe('"say ""hi"""');
      expect(csvField('two\nlines')).toBe('"two\nlines"');
      expect(csvField(null)).toBe('');
      for (const s of ['=1+2', '+1', '-1+2', '@x', '\tx']) expect(csvField(s)).toBe(`'${s}`);
      expect(csvField('\rx')).toBe(`"'\rx"`);
      expect(csvField('-12.50')).toBe('-12.50');
      expect(csvField(-3)).toBe('-3');
      expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
    });
  });
});
