/**
 * Subscriptions without a post limit are paid from a reserve (docs/fulfilment.md): the rule holds per
 * customer, not per subscription. Placed through the real API v2, sent to a scripted upstream on
 * 127.0.0.1 that reports delivered posts, followed by the engine round by round, on SQLite and Postgres.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findAlerts } from '../src/alerts/alerts.repo.js';
import { SYSTEM } from '../src/audit/actor.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { parseRate, toUnits } from '../src/money.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

let seq = 0;
const newUsername = (tag: string) => `${tag}_${process.pid}_${++seq}`;

function units(text: string): bigint {
  const v = parseRate(text);
  if (v === null) throw new Error(`bad amount ${text}`);
  return v;
}

describeEachDb('subscriptions paid from a reserve', (t) => {
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

  /** An upstream selling one Subscriptions service (rate 1, max 100: one post of 100 costs 0.1). */
  async function subscriptionService(): Promise<{ u: ScriptedUpstream; service: number }> {
    const u = await startScriptedUpstream({
      services: [upstreamService(1, { type: 'Subscriptions', rate: '1', min: 10, max: 100, cancel: true })],
    });
    upstreams.push(u);
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('subs'),
      url: u.url,
      apiKey: u.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const r = await importServices({ db: db(), actor: SYSTEM, providerId: p.value.id, markupPercent: '0' });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    const row = await db()
      .selectFrom('services')
      .select('id')
      .where('provider_id', '=', p.value.id)
      .executeTakeFirstOrThrow();
    return { u, service: Number(row.id) };
  }

  const row = (id: number) =>
    db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function balanceOf(userId: number): Promise<bigint> {
    const u = await db()
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return toUnits(u.balance_units);
  }

  const entriesOf = (userId: number) =>
    db().selectFrom('ledger_entries').selectAll().where('user_id', '=', userId).orderBy('id').execute();

  const ledgerClean = async () => expect((await checkLedger({ db: db() })).problems).toEqual([]);

  /** Place five subscriptions without posts at the same moment; the order ids of those accepted. */
  async function placeFive(apiKey: string, service: number): Promise<{ ids: number[]; errors: string[] }> {
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        callApi(app, {
          key: apiKey,
          action: 'add',
          service,
          username: newUsername('five'),
          min: 10,
          max: 100,
        }),
      ),
    );
    const ids = answers.map((a) => a.body.order).filter((o): o is number => typeof o === 'number');
    const errors = answers.map((a) => a.body.error).filter((e): e is string => typeof e === 'string');
    return { ids, errors };
  }

  it('five subscriptions at once on a balance that pays for one post: one is accepted; 15 delivered posts charge only what was set aside, the balance never goes negative, the subscription is stopped with an alert', async () => {
    const { u, service } = await subscriptionService();
    const user = await seedUser(db(), '0.1');
    const { ids, errors } = await placeFive(user.apiKey, service);
    expect(ids).toHaveLength(1);
    expect(errors).toEqual(Array(4).fill('Not enough funds on balance'));
    const id = ids[0] as number;
    // The reserve (one post: 100 × 1 / 1000) left the balance and shows in the funds history.
    expect(await balanceOf(user.id)).toBe(0n);
    expect(toUnits((await row(id)).reserve_units)).toBe(units('0.1'));
    expect((await entriesOf(user.id)).map((e) => [e.kind, toUnits(e.amount_units)])).toEqual([
      ['deposit', units('0.1')],
      ['order_reserve', -units('0.1')],
    ]);
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('0.00');
    await ledgerClean();

    const e = makeEngine(db(), t().dialect);
    await e.until(async () => (await row(id)).dispatch_state === 'sent', 3, 'sent');
    const up = String((await row(id)).provider_order_id);
    u.setStatus(up, { status: 'Active', posts: '15', charge: '1.5', start_count: '0', remains: '0' });
    await e.until(async () => u.orders.get(up)?.cancelAsked === 1, 5, 'cancel forwarded');

    // 1 post paid (from the reserve), 14 unpaid: charged never more than was paid, balance never below 0.
    const after = await row(id);
    expect(toUnits(after.charge_units)).toBe(units('0.1'));
    expect(Number(after.delivered_posts)).toBe(15);
    expect(toUnits(after.reserve_units)).toBe(0n);
    expect(await balanceOf(user.id)).toBe(0n);
    const alerts = await findAlerts(db(), { orderId: id });
    expect(alerts.map((a) => a.kind)).toEqual(['subscription_unpaid']);
    expect(alerts[0]?.message).toMatch(/14 delivered post\(s\) unpaid; stopped upstream/);
    await ledgerClean();

    // The upstream ends it; nothing more is charged, nothing is left in reserve.
    u.setStatus(up, { status: 'Canceled', posts: '15', charge: '1.5', start_count: '0', remains: '0' });
    await e.until(async () => (await row(id)).status === 'canceled', 5, 'canceled');
    expect(toUnits((await row(id)).charge_units)).toBe(units('0.1'));
    expect(await balanceOf(user.id)).toBe(0n);
    const status = await callApi(app, { key: user.apiKey, action: 'status', order: id });
    expect(status.body).toMatchObject({ status: 'Canceled', charge: '0.10' });
    await ledgerClean();
  });

  it('five subscriptions each hold their own reserve: posts are paid from it, it is topped up from the balance, and it is returned when they end', async () => {
    const { u, service } = await subscriptionService();
    const user = await seedUser(db(), '2');
    const { ids, errors } = await placeFive(user.apiKey, service);
    expect(errors).toEqual([]);
    expect(ids).toHaveLength(5);
    // Five reserves of 0.1 each.
    expect(await balanceOf(user.id)).toBe(units('1.5'));
    for (const id of ids) {
      const st = await callApi(app, { key: user.apiKey, action: 'status', order: id });
      expect(st.body).toMatchObject({ status: 'Pending', charge: '0.00' });
    }

    const e = makeEngine(db(), t().dialect);
    const sentAll = async () => {
      for (const id of ids) if ((await row(id)).dispatch_state !== 'sent') return false;
      return true;
    };
    await e.until(sentAll, 3, 'sent');
    const ups = await Promise.all(ids.map(async (id) => String((await row(id)).provider_order_id)));
    for (const up of ups) u.setStatus(up, { status: 'Active', posts: '2', start_count: '0', remains: '0' });
    const chargedPosts = async (n: number) => {
      for (const id of ids)
        if (toUnits((await row(id)).charge_units) !== units('0.1') * BigInt(n)) return false;
      return true;
    };
    await e.until(() => chargedPosts(2), 5, 'two posts charged');
    // Each paid 0.2 for two posts and holds its reserve of 0.1 again: 2 - 5 × 0.2 - 5 × 0.1 = 0.5.
    expect(await balanceOf(user.id)).toBe(units('0.5'));
    for (const id of ids) expect(toUnits((await row(id)).reserve_units)).toBe(units('0.1'));
    await ledgerClean();

    // They end with a third post: the reserve comes back and the last post is charged.
    for (const up of ups)
      u.setStatus(up, { status: 'Completed', posts: '3', start_count: '0', remains: '0' });
    const allCompleted = async () => {
      for (const id of ids) if ((await row(id)).status !== 'completed') return false;
      return true;
    };
    await e.until(allCompleted, 5, 'completed');
    for (const id of ids) {
      const r = await row(id);
      expect(toUnits(r.charge_units)).toBe(units('0.3'));
      expect(toUnits(r.reserve_units)).toBe(0n);
      const st = await callApi(app, { key: user.apiKey, action: 'status', order: id });
      expect(st.body).toMatchObject({ status: 'Completed', charge: '0.30' });
    }
    expect(await balanceOf(user.id)).toBe(units('0.5'));
    const entries = await entriesOf(user.id);
    for (const id of ids) {
      const reserveSum = entries
        .filter((x) => Number(x.order_id) === id && x.kind.startsWith('order_reserve'))
        .reduce((s, x) => s + toUnits(x.amount_units), 0n);
      expect(reserveSum, `reserve of order ${id}`).toBe(0n);
    }
    expect(u.callsOf('cancel')).toHaveLength(0);
    expect((await findAlerts(db(), {})).filter((a) => ids.includes(a.orderId ?? -1))).toEqual([]);
    await ledgerClean();
  });

  it('a subscription whose reserve cannot be topped up is stopped upstream with an alert, and its unsent siblings get their reserve back when canceled', async () => {
    const { u, service } = await subscriptionService();
    const user = await seedUser(db(), '0.25');
    const { ids } = await placeFive(user.apiKey, service);
    // 0.25 holds two reserves of 0.1.
    expect(ids).toHaveLength(2);
    expect(await balanceOf(user.id)).toBe(units('0.05'));
    const e = makeEngine(db(), t().dialect);
    await e.until(async () => (await row(ids[0] as number)).dispatch_state === 'sent', 3, 'sent');
    const [first, second] = ids as [number, number];
    const up = String((await row(first)).provider_order_id);
    // One post: paid from the reserve, but 0.05 cannot set aside the next one.
    u.setStatus(up, { status: 'Active', posts: '1', start_count: '0', remains: '0' });
    await e.until(async () => u.orders.get(up)?.cancelAsked === 1, 5, 'cancel forwarded');
    expect(toUnits((await row(first)).charge_units)).toBe(units('0.1'));
    expect(toUnits((await row(first)).reserve_units)).toBe(0n);
    expect((await findAlerts(db(), { orderId: first })).map((a) => a.kind)).toEqual(['subscription_stopped']);
    await ledgerClean();
    // The customer cancels the other one; once it ends, its reserve is back.
    const before = await balanceOf(user.id);
    const upSecond = String((await row(second)).provider_order_id);
    u.setStatus(upSecond, { status: 'Canceled', posts: '0', start_count: '0', remains: '0' });
    await e.until(async () => (await row(second)).status === 'canceled', 5, 'second canceled');
    expect(await balanceOf(user.id)).toBe(before + units('0.1'));
    expect(toUnits((await row(second)).reserve_units)).toBe(0n);
    await ledgerClean();
  });
});
