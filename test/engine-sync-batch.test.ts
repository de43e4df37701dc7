/**
 * The status sync records the progress of a whole claimed batch in one statement (sync.repo.ts
 * recordProgressBatch) and settles the ends one by one. One order changed under the batch (an operator
 * between the claim and the answer) is refused alone, with its money untouched, while the others apply;
 * a batch mixing ends (with their refunds) and progress settles every order exactly. A real upstream on
 * 127.0.0.1 and the engine, on SQLite and Postgres.
 */

import type { FastifyInstance } from 'fastify';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { parseAmount } from '../src/money.js';
import { setOrderStatus } from '../src/orders/set-order-status.js';
import { FULL_SCAN_FROM, LEASE_READ_CHUNK, leaseDueForSync } from '../src/orders/sync.repo.js';
import { findProvider } from '../src/providers/providers.repo.js';
import { syncProviderBatch } from '../src/worker/sync.js';
import { startWorker } from '../src/worker/worker.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  checkOf,
  connectProvider,
  makeEngine,
  nextCheckOf,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

const BASE = 1000;
let seq = 0;

/** Counts the UPDATE statements on `orders` the engine sends through a handle. */
class OrderUpdates implements KyselyPlugin {
  /** UPDATEs of orders, and of the sync's schedule (order_checks). */
  count = 0;
  checks = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'UpdateQueryNode') {
      const table = JSON.stringify(args.node.table);
      if (table.includes('"orders"')) this.count++;
      if (table.includes('"order_checks"')) this.checks++;
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describeEachDb('status sync applies a batch of changes together', (t) => {
  let app: FastifyInstance;
  let u: ScriptedUpstream;
  let service: number;
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
    u = await startScriptedUpstream({ services: [upstreamService(1, { rate: '10' })] });
    service = (await connectProvider(db(), u, { name: 'batch' })).created[0] as number;
  });
  afterAll(async () => {
    await app.close();
    await u.close();
  });

  const row = (id: number) =>
    db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const refunds = (id: number) =>
    db()
      .selectFrom('ledger_entries')
      .selectAll()
      .where('order_id', '=', id)
      .where('kind', '=', 'order_refund')
      .execute();

  /** `n` orders of 100 at 10 per 1000 (1.00 each) of one customer, sent upstream. */
  async function placeAndSend(n: number) {
    const user = await seedUser(db(), String(Math.max(100, n)));
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: `https://x.com/batch${++seq}`,
        quantity: 100,
      });
      ids.push(r.body.order as number);
    }
    const e = makeEngine(db(), t().dialect, { syncBaseMs: BASE, syncMaxMs: 1_000_000_000 });
    await e.until(
      async () => (await Promise.all(ids.map(row))).every((o) => o.dispatch_state === 'sent'),
      5,
      'all sent',
    );
    const ups = await Promise.all(ids.map(async (id) => String((await row(id)).provider_order_id)));
    return { user, ids, ups, e };
  }

  /**
   * `n` orders sent and answered "In progress" (remains 100) by the upstream, alone in the sync's
   * rounds (other tests' orders are moved out of them), with an engine on the default timings (base
   * 60 s, at most 15 min, HTTP timeout 30 s: a lease of 60 s) whose clock is past their first check.
   * `plugin` counts what that engine sends.
   */
  async function aloneWithDefaultTimings(n: number, plugin?: OrderUpdates) {
    const { ids, ups, e: sender } = await placeAndSend(n);
    const providerId = Number((await row(ids[0] as number)).provider_id);
    const provider = await findProvider(db(), providerId);
    if (!provider) throw new Error('no provider');
    await db()
      .updateTable('order_checks')
      .set({ next_check_at: sender.now() + 3_600_000_000 })
      .where('provider_id', '=', providerId)
      .where('order_id', 'not in', ids)
      .execute();
    for (const up of ups) u.setStatus(up, { status: 'In progress', remains: '100', start_count: '0' });
    const handle = plugin ? db().withPlugin(plugin) : db();
    const e = makeEngine(handle, t().dialect, {
      syncBaseMs: 60_000,
      syncMaxMs: 900_000,
      httpTimeoutMs: 30_000,
    });
    e.advance(sender.now() - e.now() + 10 * BASE);
    return { ids, ups, sender, provider, e };
  }

  it('an order moved by an operator between the claim and the answer is refused alone; the rest of the batch applies', async () => {
    const { ids, ups, e } = await placeAndSend(4);
    for (const up of ups)
      u.setStatus(up, { status: 'In progress', remains: '40', start_count: '10', charge: '0.5' });
    const victim = ids[1] as number;
    const admin = await adminActor(db());
    let moved = false;
    let t0 = 0;
    // While the status call is in flight (after the claim), the operator cancels one order by hand.
    u.handlers.status = (p) => {
      const out: Record<string, unknown> = {};
      for (const id of (p.orders ?? '').split(',')) out[id] = u.orders.get(id)?.entry;
      return {
        json: out,
        before: async () => {
          if (moved) return;
          moved = true;
          const r = await setOrderStatus({
            db: db(),
            actor: admin,
            orderId: victim,
            change: { status: 'canceled' },
            force: true,
          });
          if (!r.ok) throw new Error(JSON.stringify(r.failure));
        },
      };
    };
    try {
      e.advance(BASE * 2);
      t0 = e.now();
      await e.round();
    } finally {
      delete u.handlers.status;
    }
    expect(moved).toBe(true);
    for (const id of ids.filter((x) => x !== victim)) {
      const o = await row(id);
      expect(o.status, `order ${id}`).toBe('in_progress');
      expect(BigInt(o.remains)).toBe(40n);
      expect(BigInt(o.start_count ?? -1)).toBe(10n);
      expect(BigInt(o.provider_charge_units ?? -1)).toBe(parseAmount('0.5'));
      const c = await checkOf(db(), id);
      expect(c?.unchangedChecks).toBe(0);
      expect(c?.nextCheckAt).toBeGreaterThanOrEqual(t0 + BASE);
      expect(c?.nextCheckAt).toBeLessThanOrEqual(e.now() + BASE);
      expect(o.last_error).toBeNull();
    }
    // An ended order leaves the sync's schedule, in the transaction that ends it.
    expect(await checkOf(db(), victim)).toBeNull();
    // The operator's cancel stands: refunded once, in full, and the answer about it is not applied.
    const v = await row(victim);
    expect(v.status).toBe('canceled');
    expect(BigInt(v.refunded_units)).toBe(BigInt(v.charge_units));
    expect(BigInt(v.remains)).toBe(100n);
    expect(v.provider_charge_units).toBeNull();
    expect(v.last_error ?? '').toMatch(/status ignored/);
    expect(await refunds(victim)).toHaveLength(1);
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });

  it('a batch mixing ends (with refunds) and progress settles every order exactly', async () => {
    const { user, ids, ups, e } = await placeAndSend(6);
    const answers = [
      { status: 'Completed', remains: '0', start_count: '5', charge: '0.8' },
      { status: 'Partial', remains: '30', start_count: '5', charge: '0.8' },
      { status: 'Canceled', remains: '100', start_count: '5', charge: '0' },
      { status: 'In progress', remains: '50', start_count: '5', charge: '0.8' },
      { status: 'Processing', remains: '100', start_count: '7', charge: '0.8' },
      { status: 'In progress', remains: '500', start_count: '5', charge: '0.8' }, // impossible: ignored
    ];
    ups.forEach((up, i) => {
      u.setStatus(up, answers[i]);
    });
    e.advance(BASE * 2);
    await e.round();
    const [completed, partial, canceled, progress, processing, impossible] = await Promise.all(ids.map(row));
    expect(completed?.status).toBe('completed');
    expect(BigInt(completed?.refunded_units ?? -1)).toBe(0n);
    expect(partial?.status).toBe('partial');
    expect(BigInt(partial?.refunded_units ?? -1)).toBe(parseAmount('0.3'));
    expect(canceled?.status).toBe('canceled');
    expect(BigInt(canceled?.refunded_units ?? -1)).toBe(parseAmount('1'));
    expect(progress?.status).toBe('in_progress');
    expect(BigInt(progress?.remains ?? -1)).toBe(50n);
    expect(BigInt(progress?.refunded_units ?? -1)).toBe(0n);
    expect(processing?.status).toBe('processing');
    expect(BigInt(processing?.start_count ?? -1)).toBe(7n);
    expect(impossible?.status).toBe('processing');
    expect(impossible?.last_error ?? '').toMatch(/status ignored/);
    for (const o of [completed, partial, canceled, progress, processing]) expect(o?.last_error).toBeNull();
    for (const o of [completed, partial, canceled]) expect(o?.finished_at).not.toBeNull();
    for (const o of [progress, processing]) expect(o?.finished_at).toBeNull();
    const balance = await db()
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    // 100 - 6 × 1.00 + 0.30 + 1.00
    expect(BigInt(balance.balance_units)).toBe(parseAmount('95.3'));
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
    // A second round with the same answers changes nothing more (no second refund).
    e.advance(BASE * 2);
    await e.round();
    expect(await refunds(ids[1] as number)).toHaveLength(1);
    expect(await refunds(ids[2] as number)).toHaveLength(1);
  });

  it('progress without start count or charge keeps what is stored (nulls in the batch)', async () => {
    const { ids, ups, e } = await placeAndSend(3);
    const before = await Promise.all(ids.map(row));
    ups.forEach((up, i) => {
      u.setStatus(up, { status: 'In progress', remains: String(90 - i) });
    });
    e.advance(BASE * 2);
    await e.round();
    const after = await Promise.all(ids.map(row));
    after.forEach((o, i) => {
      expect(o.status).toBe('in_progress');
      expect(BigInt(o.remains)).toBe(BigInt(90 - i));
      expect(o.start_count).toBe(before[i]?.start_count ?? null);
      expect(o.provider_charge_units).toBe(before[i]?.provider_charge_units ?? null);
      expect(o.last_error).toBeNull();
    });
    expect(before.every((o) => o.start_count === null && o.provider_charge_units === null)).toBe(true);
  });

  it('with the default timings an unchanged answer is written by the lease alone; a failed call does not count as unchanged', async () => {
    const updates = new OrderUpdates();
    const { ids, ups, sender, provider, e } = await aloneWithDefaultTimings(3, updates);
    // The answer "In progress" is a change once (recorded as progress), then unchanged.
    sender.advance(BASE * 2);
    await sender.round();
    for (const id of ids) expect((await row(id)).status).toBe('in_progress');
    e.advance(sender.now() - e.now() + 10 * BASE);
    const check = async () => {
      updates.count = 0;
      updates.checks = 0;
      const from = e.now();
      expect(await syncProviderBatch(e.ctx, provider)).toBe(3);
      return { from, to: e.now(), orderWrites: updates.count, checkWrites: updates.checks };
    };
    const expectScheduled = async (at: { from: number; to: number }, delay: number, unchanged: number) => {
      for (const id of ids) {
        const c = await checkOf(db(), id);
        expect(c?.unchangedChecks, `order ${id}`).toBe(unchanged);
        expect(c?.nextCheckAt).toBeGreaterThanOrEqual(at.from + delay);
        expect(c?.nextCheckAt).toBeLessThanOrEqual(at.to + delay);
        expect((await row(id)).status).toBe('in_progress');
      }
    };

    // Unchanged: 60 s × 2^1 later, one unchanged check; the lease's UPDATE of the schedule was the
    // only write, and orders was not written at all.
    let at = await check();
    expect(at.checkWrites).toBe(1);
    expect(at.orderWrites).toBe(0);
    await expectScheduled(at, 120_000, 1);

    // The status call fails: checked again after the base interval, and not counted as unchanged.
    e.advance(130_000);
    u.handlers.status = () => ({ status: 500, body: 'upstream down' });
    try {
      at = await check();
    } finally {
      delete u.handlers.status;
    }
    expect(at.checkWrites).toBe(2);
    expect(at.orderWrites).toBe(0);
    await expectScheduled(at, 60_000, 1);

    // Unchanged again: 60 s × 2^2, two unchanged checks; then the cap of 15 min.
    e.advance(70_000);
    at = await check();
    expect(at).toMatchObject({ checkWrites: 1, orderWrites: 0 });
    await expectScheduled(at, 240_000, 2);
    for (const delay of [480_000, 900_000, 900_000]) {
      e.advance(delay + 10_000);
      at = await check();
      expect(at).toMatchObject({ checkWrites: 1, orderWrites: 0 });
    }
    await expectScheduled(at, 900_000, 5);

    // A change after that: progress recorded, the backoff starts again.
    for (const up of ups) u.setStatus(up, { status: 'In progress', remains: '60', start_count: '0' });
    e.advance(910_000);
    at = await check();
    await expectScheduled(at, 60_000, 0);
    for (const id of ids) expect(BigInt((await row(id)).remains)).toBe(60n);
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });

  it('leases start at a floor once nothing earlier was due; an order put further back is found by a lease from the start (within a second when the floor finds nothing, every minute otherwise)', async () => {
    const { ids, provider, e } = await aloneWithDefaultTimings(3);
    const [a, b, c] = ids as [number, number, number];
    const dueAt = (id: number, at: number) =>
      db().updateTable('order_checks').set({ next_check_at: at }).where('order_id', '=', id).execute();
    const nextCheck = (id: number) => nextCheckOf(db(), id);

    // The first lease reads from the start: all three; fewer than a batch, so the floor is now - 60 s.
    expect(await syncProviderBatch(e.ctx, provider)).toBe(3);
    // An order put an hour back (below the floor) and one due now (above it).
    const hourAgo = e.now() - 3_600_000;
    await dueAt(a, hourAgo);
    await dueAt(b, e.now());
    e.advance(10);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(1);
    expect(await nextCheck(b)).toBeGreaterThan(e.now());
    expect(await nextCheck(a)).toBe(hourAgo);
    // Nothing from the floor, but a lease from the start ran less than a second ago: nothing.
    e.advance(10);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(0);
    expect(await nextCheck(a)).toBe(hourAgo);
    // A second later the empty lease from the floor is followed by one from the start.
    e.advance(1000);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(1);
    expect(await nextCheck(a)).toBeGreaterThan(e.now());

    // While the floor always finds something, the order put back waits for the lease from the start
    // that runs every minute.
    await dueAt(a, hourAgo);
    let sawA = -1;
    for (let s = 1; s <= 4; s++) {
      e.advance(20_000);
      await dueAt(c, e.now());
      const n = await syncProviderBatch(e.ctx, provider);
      if ((await nextCheck(a)) !== hourAgo) {
        sawA = s;
        expect(n).toBe(2);
        break;
      }
      expect(n).toBe(1);
    }
    // 3 × 20 s after the last lease from the start.
    expect(sawA).toBe(3);
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });

  it('a backlog put back before the floor is leased batch after batch from the start', async () => {
    const { ids, provider, e } = await aloneWithDefaultTimings(150);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(100);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(50);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(0);
    // The floor is set; now all 150 are put an hour back, a second later.
    e.advance(1000);
    const hourAgo = e.now() - 3_600_000;
    await db()
      .updateTable('order_checks')
      .set({ next_check_at: hourAgo })
      .where('order_id', 'in', ids)
      .execute();
    expect(await syncProviderBatch(e.ctx, provider)).toBe(100);
    e.advance(10);
    expect(await syncProviderBatch(e.ctx, provider)).toBe(50);
    const rows = await db()
      .selectFrom('order_checks')
      .select('next_check_at')
      .where('order_id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(150);
    expect(rows.filter((r) => Number(r.next_check_at) <= e.now())).toEqual([]);
  });

  it('the running worker gathers checks that fall due a few at a time and leases them in batches after a pause', async () => {
    const { ids, sender, e } = await aloneWithDefaultTimings(200);
    // The first answer is a change (In progress); after it every check is unchanged.
    sender.advance(BASE * 2);
    await sender.round();
    // One check falls due every 2 ms for 0.4 s (faster than a round goes).
    const start = e.now() + 100;
    for (const [i, id] of ids.entries())
      await db()
        .updateTable('order_checks')
        .set({ next_check_at: start + 2 * i })
        .where('order_id', '=', id)
        .execute();
    const calls = u.callsOf('status').length;
    const w = startWorker({ ...e.ctx, settings: { ...e.ctx.settings, idleMs: 400 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100 + 400 + 2 * 400 + 300));
    } finally {
      await w.stop();
    }
    for (const id of ids) expect((await checkOf(db(), id))?.unchangedChecks, `order ${id}`).toBe(1);
    // A worker that went round again whenever it found something asked about the few orders due at
    // each turn (17 calls on SQLite in one run); this one waits for a pause whenever it found no full
    // batch: 200 orders in 2-6 calls.
    const made = u.callsOf('status').length - calls;
    expect(made).toBeGreaterThanOrEqual(2);
    expect(made).toBeLessThanOrEqual(6);
  });

  it('with a pause (the engine on SQLite) the lease reads its orders a chunk at a time; an order ended during a pause is left out and its check removed', async () => {
    const { ids, provider, e } = await aloneWithDefaultTimings(60);
    const sorted = [...ids].sort((a, b) => a - b);
    const ended = sorted[40] as number;
    let pauses = 0;
    const leased = await leaseDueForSync(db(), {
      providerId: provider.id,
      now: e.now(),
      from: FULL_SCAN_FROM,
      steps: [60_000],
      limit: 100,
      dialect: t().dialect,
      pause: async () => {
        pauses++;
        // After the first chunk was read, an order of a later chunk ends by a write that leaves its
        // check behind (not through settle.ts, which removes it): the lease removes it.
        if (pauses !== 2) return;
        await db()
          .updateTable('orders')
          .set({ status: 'completed', remains: 0 })
          .where('id', '=', ended)
          .execute();
      },
    });
    expect(pauses).toBe(Math.ceil(60 / LEASE_READ_CHUNK));
    expect(leased.map((o) => o.id)).toEqual(sorted.filter((id) => id !== ended));
    expect(leased.every((o) => o.dispatchState === 'sent' && o.unchangedChecks === 0)).toBe(true);
    expect(await checkOf(db(), ended)).toBeNull();
  });
});
