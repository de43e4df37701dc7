/**
 * The engine against answers of SmartPanel-based panels, sent by a real HTTP upstream on 127.0.0.1
 * (byte for byte where it matters): refused cancels, `{"status":"error","message":...}` refusals,
 * JSON served as text/html after a BOM or pretty-printed, empty answers, drip-feed statuses without
 * remains, and the per-provider limit on concurrent sends.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findAlerts } from '../src/alerts/alerts.repo.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listCancelRequests } from '../src/cancels/list-cancel-requests.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { toUnits } from '../src/money.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { findProvider } from '../src/providers/providers.repo.js';
import { setProviderSendLimit } from '../src/providers/set-provider-send-limit.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

let linkSeq = 0;
const newLink = (tag: string) => `https://instagram.com/p/${tag}-${process.pid}-${++linkSeq}`;

describeEachDb('engine against SmartPanel-like upstreams', (t) => {
  let app: FastifyInstance;
  const upstreams: ScriptedUpstream[] = [];
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
  });
  afterAll(async () => {
    await app.close();
    for (const u of upstreams) await u.close();
  });

  async function upstream(services: unknown[]) {
    const u = await startScriptedUpstream({ services });
    upstreams.push(u);
    return u;
  }

  async function connect(u: ScriptedUpstream) {
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('sp'),
      url: u.url,
      apiKey: u.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const r = await importServices({ db: db(), actor: SYSTEM, providerId: p.value.id, markupPercent: '0' });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    const rows = await db()
      .selectFrom('services')
      .select(['id', 'provider_service_id'])
      .where('provider_id', '=', p.value.id)
      .execute();
    const map = new Map(rows.map((s) => [String(s.provider_service_id), Number(s.id)]));
    return { providerId: p.value.id, svc: (n: number) => map.get(String(n)) ?? -1 };
  }

  const engine = () => makeEngine(db(), t().dialect, { retryBaseMs: 10_000 });

  async function add(apiKey: string, params: Record<string, string | number>): Promise<number> {
    const r = await callApi(app, { key: apiKey, action: 'add', ...params });
    if (typeof r.body.order !== 'number') throw new Error(`add refused: ${r.raw}`);
    return r.body.order;
  }
  const row = (id: number) =>
    db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const balanceOf = async (userId: number) =>
    toUnits(
      (
        await db()
          .selectFrom('users')
          .select('balance_units')
          .where('id', '=', userId)
          .executeTakeFirstOrThrow()
      ).balance_units,
    );
  const ledgerClean = async () => expect((await checkLedger({ db: db() })).problems).toEqual([]);

  it('a cancel refused with a top-level {"error": "This action is Invalid"} is recorded as refused with the message, asked once, alerted, and logged with the answer', async () => {
    const u = await upstream([upstreamService(1, { cancel: true })]);
    u.handlers.cancel = () => ({
      status: 200,
      type: 'text/html',
      body: '{"error": "This action is Invalid"}',
    });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('cref'), quantity: 100 });
    const e = engine();
    await e.until(async () => (await row(id)).dispatch_state === 'sent', 3);
    expect((await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(id) })).body).toEqual([
      { order: id, cancel: 'Your cancellation request has been received.' },
    ]);
    await e.round();
    expect(await row(id)).toMatchObject({
      cancel_state: 'refused',
      last_error: 'provider refused the cancel: This action is Invalid',
      status: 'processing',
    });
    // Not asked again every round, however much time passes.
    for (let i = 0; i < 4; i++) {
      e.advance(60_000);
      await e.round();
    }
    expect(u.callsOf('cancel')).toHaveLength(1);
    const alerts = (await findAlerts(db(), { orderId: id })).filter((a) => a.kind === 'cancel_refused');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain('This action is Invalid');
    // The operator sees it among the cancel requests, refused.
    const requests = await listCancelRequests({ db: db() });
    expect(requests.find((r) => r.order === id)).toMatchObject({ state: 'refused', status: 'Processing' });
    const line = e.logs.find((l) => l.msg === 'provider refused a cancel');
    expect(line?.data).toMatchObject({ order: id });
    expect(String(line?.data?.answer)).toContain('This action is Invalid');
    // The order goes on and settles as the upstream says.
    u.setStatus(String((await row(id)).provider_order_id), { status: 'Completed', remains: '0' });
    await e.until(async () => (await row(id)).status === 'completed', 3);
    await ledgerClean();
  });

  it('a cancel refused per order ({"cancel": {"error": ...}}) is recorded as refused with an alert', async () => {
    const u = await upstream([upstreamService(1, { cancel: true })]);
    u.handlers.cancel = (p) => ({
      json: (p.orders ?? '')
        .split(',')
        .map((o) => ({ order: Number(o), cancel: { error: 'Order is completed' } })),
    });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('cref2'), quantity: 100 });
    const e = engine();
    await e.until(async () => (await row(id)).dispatch_state === 'sent', 3);
    await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(id) });
    await e.rounds(3);
    expect(await row(id)).toMatchObject({
      cancel_state: 'refused',
      last_error: 'provider refused the cancel: Order is completed',
    });
    expect(u.callsOf('cancel')).toHaveLength(1);
    expect((await findAlerts(db(), { orderId: id })).map((a) => a.kind)).toContain('cancel_refused');
  });

  it('{"status":"error","message":...} to add is a refusal: about the order it cancels and refunds; about our funds it holds the provider', async () => {
    const u = await upstream([upstreamService(1, { rate: '2' })]);
    u.handlers.add = (p) =>
      p.link?.includes('badlink')
        ? { json: { status: 'error', message: 'Incorrect link' } }
        : { json: { status: 'error', message: 'Not enough funds on balance' } };
    const { svc, providerId } = await connect(u);
    const user = await seedUser(db(), '5');
    const bad = await add(user.apiKey, { service: svc(1), link: newLink('badlink'), quantity: 500 });
    const e = engine();
    await e.until(async () => (await row(bad)).status === 'canceled', 3);
    expect(await row(bad)).toMatchObject({ dispatch_state: 'closed', last_error: 'Incorrect link' });
    expect(await balanceOf(user.id)).toBe(toUnits(50_000_000));
    const held = await add(user.apiKey, { service: svc(1), link: newLink('funds'), quantity: 500 });
    await e.until(async () => (await row(held)).dispatch_state === 'held', 3);
    expect(await row(held)).toMatchObject({ status: 'pending', last_error: 'Not enough funds on balance' });
    expect((await findProvider(db(), providerId))?.state).toBe('held');
    expect(u.callsOf('add')).toHaveLength(2);
    await ledgerClean();
  });

  it('add answers served as text/html after a BOM and pretty-printed are accepted; an empty answer sends the order to review', async () => {
    const u = await upstream([upstreamService(1)]);
    let n = 500;
    u.handlers.add = (p) =>
      p.link?.includes('empty')
        ? { status: 200, type: 'text/html', body: '' }
        : { status: 200, type: 'text/html; charset=utf-8', body: `\uFEFF\n{\n    "order": ${++n}\n}` };
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const ok = await add(user.apiKey, { service: svc(1), link: newLink('pretty'), quantity: 100 });
    const empty = await add(user.apiKey, { service: svc(1), link: newLink('empty'), quantity: 100 });
    const e = engine();
    await e.rounds(2);
    expect(await row(ok)).toMatchObject({
      dispatch_state: 'sent',
      provider_order_id: '501',
      status: 'processing',
    });
    expect(await row(empty)).toMatchObject({ dispatch_state: 'review', status: 'pending' });
    expect((await row(empty)).last_error).toContain('empty answer');
    e.advance(3_600_000);
    await e.rounds(2);
    expect(u.callsOf('add')).toHaveLength(2);
  });

  it('a forwarded drip-feed that ends Partial without remains is settled exactly from the run orders it lists; with no run listed it stays open with an alert', async () => {
    const rate = '1';
    const u = await upstream([upstreamService(1, { rate, dripfeed: true })]);
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const listed = await add(user.apiKey, {
      service: svc(1),
      link: newLink('drip-l'),
      quantity: 100,
      runs: 3,
      interval: 5,
    });
    const none = await add(user.apiKey, {
      service: svc(1),
      link: newLink('drip-n'),
      quantity: 100,
      runs: 3,
      interval: 5,
    });
    const e = engine();
    await e.until(
      async () =>
        (await row(listed)).dispatch_state === 'sent' && (await row(none)).dispatch_state === 'sent',
      3,
    );
    // Two runs placed upstream: one Completed, one Partial with 30 left; the third never placed.
    const r1 = u.createOrder({ quantity: '100' });
    const r2 = u.createOrder({ quantity: '100' });
    u.setStatus(r1.id, { status: 'Completed', remains: '0' });
    u.setStatus(r2.id, { status: 'Partial', remains: '30' });
    u.setStatus(String((await row(listed)).provider_order_id), {
      status: 'Partial',
      runs: '2',
      orders: [Number(r1.id), r2.id],
    });
    u.setStatus(String((await row(none)).provider_order_id), { status: 'Partial', runs: '2', orders: [] });
    await e.until(async () => (await row(listed)).status === 'partial', 3);
    const l = await row(listed);
    expect(toUnits(l.remains)).toBe(130n);
    expect(toUnits(l.refunded_units)).toBe(1_300_000n); // 130 × 1 / 1000, in units of 10^-7
    await e.rounds(2);
    const n = await row(none);
    expect(n.status).toBe('processing');
    expect(toUnits(n.refunded_units)).toBe(0n);
    expect(n.last_error).toContain('drip-feed Partial without remains');
    expect(
      (await findAlerts(db(), { orderId: none })).filter((a) => a.kind === 'upstream_anomaly'),
    ).toHaveLength(1);
    await ledgerClean();
  });

  it('a provider gets one add at a time by default, however many orders a worker sends at once; setProviderSendLimit raises it', async () => {
    const u = await upstream([upstreamService(1)]);
    let inFlight = 0;
    let most = 0;
    u.handlers.add = (p, up) => ({
      json: { order: Number(up.createOrder(p).id) },
      before: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
      },
    });
    const { svc, providerId } = await connect(u);
    expect((await findProvider(db(), providerId))?.sendLimit).toBe(1);
    const user = await seedUser(db(), '10');
    const first = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        add(user.apiKey, { service: svc(1), link: newLink(`lim${i}`), quantity: 100 }),
      ),
    );
    const e = engine();
    await e.round();
    for (const id of first) expect((await row(id)).dispatch_state).toBe('sent');
    expect(most).toBe(1);

    expect(
      await setProviderSendLimit({ db: db(), actor: await adminActor(db()), providerId, limit: 0 }),
    ).toMatchObject({ ok: false });
    expect(
      await setProviderSendLimit({ db: db(), actor: await adminActor(db()), providerId: 999_999, limit: 2 }),
    ).toMatchObject({
      ok: false,
    });
    expect(
      await setProviderSendLimit({ db: db(), actor: await adminActor(db()), providerId, limit: 3 }),
    ).toEqual({
      ok: true,
      value: { providerId, limit: 3 },
    });
    most = 0;
    const second = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        add(user.apiKey, { service: svc(1), link: newLink(`lim3-${i}`), quantity: 100 }),
      ),
    );
    await e.round();
    for (const id of second) expect((await row(id)).dispatch_state).toBe('sent');
    expect(most).toBe(3);
    expect(u.callsOf('add')).toHaveLength(12);
  });
});
