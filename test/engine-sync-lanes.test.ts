/**
 * The status sync works a provider's due orders with several status calls under way at once
 * (WORKER_SYNC_CONCURRENCY), never putting one order in two calls, and works providers side by side:
 * one that does not answer holds back only its own orders. Real upstreams on 127.0.0.1 and the engine,
 * on SQLite and Postgres.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { syncRound } from '../src/worker/sync.js';
import { callApi, makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  connectProvider,
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

const BASE = 1000;
let seq = 0;

describeEachDb('status sync: several calls per provider, providers side by side', (t) => {
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

  /** A provider on its own scripted upstream, with one service (1.00 per 1000). */
  async function provider(name: string) {
    const u = await startScriptedUpstream({ services: [upstreamService(1, { rate: '1' })] });
    upstreams.push(u);
    const { providerId, created } = await connectProvider(db(), u, { name });
    return { u, providerId, service: created[0] as number };
  }

  /** `n` orders of 1000 (1.00 each) placed through API v2 and sent upstream by the engine. */
  async function placeAndSend(services: number[], n: number) {
    const user = await seedUser(db(), String(n * services.length));
    const ids: number[] = [];
    for (const service of services)
      for (let i = 0; i < n; i++) {
        const r = await callApi(app, {
          key: user.apiKey,
          action: 'add',
          service,
          link: `https://x.com/lanes${++seq}`,
          quantity: 1000,
        });
        expect(r.body.order, JSON.stringify(r.body)).toBeTypeOf('number');
        ids.push(r.body.order as number);
      }
    const sending = makeEngine(db(), t().dialect, { syncBaseMs: BASE, syncMaxMs: BASE, dispatchBatch: 500 });
    await sending.until(
      async () => {
        const left = await db()
          .selectFrom('orders')
          .select('id')
          .where('id', 'in', ids)
          .where('dispatch_state', '!=', 'sent')
          .execute();
        return left.length === 0;
      },
      40,
      'all sent',
    );
    return ids;
  }

  const statusOf = (ids: number[]) =>
    db().selectFrom('orders').select(['id', 'status', 'remains']).where('id', 'in', ids).execute();

  /**
   * Answer `status` only once `want` calls are in flight together, or once all `total` orders have been
   * asked (the last call may come alone), or after `waitMs`; counting the most seen at once and every
   * order id asked.
   */
  function gatedStatus(u: ScriptedUpstream, want: number, total: number, waitMs: number) {
    const seen = { inFlight: 0, most: 0, asked: [] as string[] };
    const waiters: (() => void)[] = [];
    u.handlers.status = (p) => {
      const asked = (p.orders ?? '').split(',').filter(Boolean);
      seen.asked.push(...asked);
      seen.inFlight++;
      seen.most = Math.max(seen.most, seen.inFlight);
      const release = () => seen.inFlight >= want || seen.asked.length >= total;
      if (release()) for (const w of waiters.splice(0)) w();
      const json: Record<string, unknown> = {};
      for (const id of asked) json[id] = u.orders.get(id)?.entry ?? { error: 'Incorrect order ID' };
      return {
        json,
        before: async () => {
          if (!release())
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, waitMs);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          seen.inFlight--;
        },
      };
    };
    return seen;
  }

  for (const lanes of [3, 1]) {
    it(`with WORKER_SYNC_CONCURRENCY ${lanes}: at most ${lanes} status calls at once, each order in exactly one`, async () => {
      const { u, service } = await provider(`lanes${lanes}`);
      const ids = await placeAndSend([service], 350);
      for (const o of u.orders.values())
        o.entry = { status: 'In progress', remains: '400', start_count: '7', charge: '0.5' };
      const seen = gatedStatus(u, lanes, 350, 3000);
      const e = makeEngine(db(), t().dialect, { syncBaseMs: BASE, syncMaxMs: BASE, syncConcurrency: lanes });
      // Earlier tests' orders would be due or not depending on how long those tests took (their next
      // check is a second after their last): out of this round, so exactly this test's orders are due.
      await db()
        .updateTable('order_checks')
        .set({ next_check_at: e.now() + 3_600_000 })
        .where('order_id', 'not in', ids)
        .execute();
      e.advance(BASE * 2);
      const due = await db()
        .selectFrom('order_checks')
        .select('order_id as id')
        .where('next_check_at', '<=', e.now())
        .execute();
      const checked = await syncRound(e.ctx);
      delete u.handlers.status;

      expect(due.map((o) => Number(o.id)).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
      expect(checked).toBe(350);
      // Four calls of up to 100 ids: as many at once as allowed, never more.
      expect(seen.most).toBe(lanes);
      expect(seen.asked).toHaveLength(350);
      expect(new Set(seen.asked).size).toBe(350);
      expect(new Set(seen.asked)).toEqual(new Set(u.orders.keys()));
      for (const o of await statusOf(ids)) {
        expect(o.status, `order ${o.id}`).toBe('in_progress');
        expect(BigInt(o.remains)).toBe(400n);
      }
      expect((await checkLedger({ db: db() })).problems).toEqual([]);
    });
  }

  it('a provider that does not answer holds back only its own orders', async () => {
    // The silent provider is listed first: checked one provider after the other, the second one's
    // orders would wait for its timeout.
    const silent = await provider('silent');
    const quick = await provider('quick');
    const [silentIds, quickIds] = [
      await placeAndSend([silent.service], 5),
      await placeAndSend([quick.service], 5),
    ];
    for (const o of quick.u.orders.values())
      o.entry = { status: 'In progress', remains: '10', start_count: '1' };
    for (const o of silent.u.orders.values())
      o.entry = { status: 'Completed', remains: '0', start_count: '1' };
    let quickDoneFirst = false;
    // The silent provider answers only once the quick one's orders are recorded, or after 5 s.
    silent.u.handlers.status = (p) => {
      const json: Record<string, unknown> = {};
      for (const id of (p.orders ?? '').split(',')) json[id] = silent.u.orders.get(id)?.entry;
      return {
        json,
        before: async () => {
          const until = Date.now() + 5000;
          while (Date.now() < until) {
            const rows = await statusOf(quickIds);
            if (rows.every((r) => r.status === 'in_progress')) {
              quickDoneFirst = true;
              return;
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        },
      };
    };
    const e = makeEngine(db(), t().dialect, { syncBaseMs: BASE, syncMaxMs: BASE });
    e.advance(BASE * 2);
    await syncRound(e.ctx);
    delete silent.u.handlers.status;
    expect(quickDoneFirst).toBe(true);
    for (const o of await statusOf(quickIds)) expect(o.status).toBe('in_progress');
    for (const o of await statusOf(silentIds)) expect(o.status).toBe('completed');
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });
});
