/**
 * One impossible upstream answer, repeated at every check, raises one alert per order and kind of
 * anomaly while it lasts, and counts as unchanged: the next check moves further away (backoff), never
 * back to the base interval. A real upstream on 127.0.0.1 and the engine, on SQLite and Postgres.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findAlerts } from '../src/alerts/alerts.repo.js';
import { resolveAlert } from '../src/alerts/resolve-alert.js';
import { SYSTEM } from '../src/audit/actor.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { toUnits } from '../src/money.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  nextCheckOf,
  type ScriptedUpstream,
  startScriptedUpstream,
  type TestEngine,
  upstreamService,
} from './helpers/engine.js';

let seq = 0;
const BASE = 1000;

describeEachDb('upstream anomalies are raised once and back off', (t) => {
  let app: FastifyInstance;
  let u: ScriptedUpstream;
  let svc: { def: number; sub: number };
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
    u = await startScriptedUpstream({
      services: [
        upstreamService(1, { rate: '1' }),
        upstreamService(2, { type: 'Subscriptions', rate: '1', min: 10, max: 100 }),
      ],
    });
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('anom'),
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
    const byUp = new Map(rows.map((x) => [String(x.provider_service_id), Number(x.id)]));
    svc = { def: byUp.get('1') as number, sub: byUp.get('2') as number };
  });
  afterAll(async () => {
    await app.close();
    await u.close();
  });

  const row = (id: number) =>
    db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function placeAndSend(
    params: Record<string, string | number>,
  ): Promise<{ id: number; up: string; e: TestEngine }> {
    const user = await seedUser(db(), '100');
    const r = await callApi(app, { key: user.apiKey, action: 'add', ...params });
    const id = r.body.order as number;
    const e = makeEngine(db(), t().dialect, { syncBaseMs: BASE, syncMaxMs: 1_000_000_000 });
    await e.until(async () => (await row(id)).dispatch_state === 'sent', 3, 'sent');
    return { id, up: String((await row(id)).provider_order_id), e };
  }

  /** Run `n` checks of the order, each when it is due; the gaps between a check and the next one. */
  async function checks(e: TestEngine, id: number, n: number): Promise<number[]> {
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) {
      const due = await nextCheckOf(db(), id);
      if (due > e.now()) e.advance(due - e.now());
      await e.round();
      gaps.push((await nextCheckOf(db(), id)) - e.now());
    }
    return gaps;
  }

  const anomalies = async (id: number) =>
    (await findAlerts(db(), { orderId: id, includeResolved: true })).filter(
      (a) => a.kind === 'upstream_anomaly',
    );

  function growing(gaps: number[]) {
    for (let i = 1; i < gaps.length; i++) {
      expect(gaps[i], `gap ${i} of ${JSON.stringify(gaps)}`).toBeGreaterThan(gaps[i - 1] as number);
    }
  }

  it('remains above the quantity, over many checks: one alert, and the next check moves further away each time', async () => {
    const { id, up, e } = await placeAndSend({
      service: svc.def,
      link: `https://x.com/r${++seq}`,
      quantity: 100,
    });
    u.setStatus(up, { status: 'In progress', remains: '5000', start_count: '0', charge: '0.1' });
    growing(await checks(e, id, 8));
    expect(await anomalies(id)).toHaveLength(1);
    expect((await row(id)).status).toBe('processing');
  });

  it('a status that would go backwards keeps the order where it is (never backwards, no anomaly) and counts as unchanged: the backoff continues', async () => {
    const { id, up, e } = await placeAndSend({
      service: svc.def,
      link: `https://x.com/b${++seq}`,
      quantity: 100,
    });
    u.setStatus(up, { status: 'In progress', remains: '50', start_count: '0', charge: '0.1' });
    await checks(e, id, 1);
    expect((await row(id)).status).toBe('in_progress');
    u.setStatus(up, { status: 'Pending', remains: '50', start_count: '0', charge: '0.1' });
    growing(await checks(e, id, 8));
    expect(await anomalies(id)).toHaveLength(0);
    expect((await row(id)).status).toBe('in_progress');
  });

  it('Partial without remains, over many checks: one alert, and the backoff continues', async () => {
    const { id, up, e } = await placeAndSend({
      service: svc.def,
      link: `https://x.com/p${++seq}`,
      quantity: 100,
    });
    u.setStatus(up, { status: 'Partial', start_count: '0', charge: '0.1' });
    growing(await checks(e, id, 8));
    expect(await anomalies(id)).toHaveLength(1);
    expect((await row(id)).status).toBe('processing');
  });

  it('an absurd jump in delivered posts of a subscription, over many checks: one alert, nothing charged, and the backoff continues', async () => {
    const { id, up, e } = await placeAndSend({
      service: svc.sub,
      username: `anom_${process.pid}_${++seq}`,
      min: 10,
      max: 100,
    });
    u.setStatus(up, { status: 'Active', posts: '20000000' });
    growing(await checks(e, id, 8));
    expect(await anomalies(id)).toHaveLength(1);
    expect(toUnits((await row(id)).charge_units)).toBe(0n);
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });

  it('garbage that differs at every check is one open alert; once the operator resolves it, a new anomaly is raised again', async () => {
    const { id, up, e } = await placeAndSend({
      service: svc.def,
      link: `https://x.com/g${++seq}`,
      quantity: 100,
    });
    for (let i = 0; i < 5; i++) {
      u.setStatus(up, { status: `Exploded-${i}`, remains: 'x' });
      await checks(e, id, 1);
    }
    const open = await anomalies(id);
    expect(open).toHaveLength(1);
    expect(
      (await resolveAlert({ db: db(), actor: await adminActor(db()), alertId: open[0]?.id as number })).ok,
    ).toBe(true);
    u.setStatus(up, { status: 'In progress', remains: '5000' });
    await checks(e, id, 2);
    expect(await anomalies(id)).toHaveLength(2);
  });
});
