/**
 * The fulfilment engine end to end, on SQLite and Postgres: orders placed through the real API v2 are
 * sent to a real upstream on 127.0.0.1 (a scripted API v2 server that records every form it receives,
 * or the built-in simulator), followed with the multi status call and settled exactly. The engine is
 * driven deterministically, round by round (workerRound), with its own clock for backoffs and
 * drip-feed intervals; every wait is a bounded number of rounds.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import { updateService } from '../src/catalog/update-service.js';
import { main } from '../src/cli/main.js';
import { startSimulator } from '../src/dev/simulator.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { parseRate, toUnits } from '../src/money.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { findProvider } from '../src/providers/providers.repo.js';
import { resumeProvider } from '../src/providers/resume-provider.js';
import { syncProviderBatch } from '../src/worker/sync.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { orderOf } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';
import {
  closedPort,
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

let linkSeq = 0;
const newLink = (tag: string) => `https://instagram.com/p/${tag}-${process.pid}-${++linkSeq}`;

/** rate (text, 4 decimals) × n / 1000 in units (10^-7), computed independently of money.ts. */
function unitsFor(rateText: string, n: bigint | number): bigint {
  const [w = '0', f = ''] = rateText.split('.');
  const tenThousandths = BigInt(w) * 10_000n + BigInt(f.padEnd(4, '0'));
  // rate × 10^7 = tenThousandths × 10^3; × n / 1000 = tenThousandths × n.
  return tenThousandths * BigInt(n);
}

/** An amount or rate in units; throws on a typo in the test. */
function units(text: string): bigint {
  const v = parseRate(text);
  if (v === null) throw new Error(`bad amount ${text}`);
  return v;
}

describeEachDb('fulfilment engine', (t) => {
  let app: FastifyInstance;
  const upstreams: { close(): Promise<void> }[] = [];
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
  });
  afterAll(async () => {
    await app.close();
    for (const u of upstreams) await u.close();
  });

  async function upstream(opts: Parameters<typeof startScriptedUpstream>[0] = {}) {
    const u = await startScriptedUpstream(opts);
    upstreams.push(u);
    return u;
  }

  /** Connect a provider to `u` and import its services; returns our service id per upstream id. */
  async function connect(u: ScriptedUpstream, opts: { markup?: string; dripfeed?: boolean } = {}) {
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('prov'),
      url: u.url,
      apiKey: u.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    const r = await importServices({
      db: db(),
      actor: SYSTEM,
      providerId: p.value.id,
      markupPercent: opts.markup ?? '0',
      ...(opts.dripfeed ? { dripfeed: true } : {}),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    const rows = await db()
      .selectFrom('services')
      .select(['id', 'provider_service_id'])
      .where('provider_id', '=', p.value.id)
      .execute();
    const map = new Map(rows.map((r) => [String(r.provider_service_id), Number(r.id)]));
    return {
      providerId: p.value.id,
      svc: (upstreamId: number) => {
        const id = map.get(String(upstreamId));
        if (id === undefined) throw new Error(`service ${upstreamId} not imported`);
        return id;
      },
    };
  }

  const engine = (over: Parameters<typeof makeEngine>[2] = {}) => makeEngine(db(), t().dialect, over);

  async function add(apiKey: string, params: Record<string, string | number>): Promise<number> {
    const r = await callApi(app, { key: apiKey, action: 'add', ...params });
    if (typeof r.body.order !== 'number') throw new Error(`add refused: ${r.raw}`);
    return r.body.order;
  }

  async function row(orderId: number) {
    return db().selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  }

  async function balanceOf(userId: number): Promise<bigint> {
    const u = await db()
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return toUnits(u.balance_units);
  }

  async function ledgerClean() {
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  }

  const sent = (orderId: number) => async () => (await row(orderId)).dispatch_state === 'sent';
  const statusIs = (orderId: number, status: string) => async () => (await row(orderId)).status === status;
  const addsFor = (u: ScriptedUpstream, link: string) =>
    u.callsOf('add').filter((c) => c.params.link === link).length;

  // ---- providers and import ---------------------------------------------------------------------

  it('providers add prints an id; import applies the markup rounded half up to 4 decimals, follows type, limits and flags, skips unknown types, honours --ids; a re-import updates rates and disables vanished services', async () => {
    const u = await upstream({
      services: [
        upstreamService(101, { rate: '0.657880205', refill: true, cancel: true, min: 20, max: 5000 }),
        upstreamService(102, { rate: '1.0003', type: 'Custom Comments', min: 1, max: 100 }),
        upstreamService(103, { rate: '0.0001', dripfeed: true }),
        upstreamService(104, { rate: '2', type: 'Package' }),
        { service: 105, name: 'broken', rate: 'abc', min: 1, max: 10 },
      ],
    });
    const out: string[] = [];
    const cli = async (...args: string[]) => {
      out.length = 0;
      const err: string[] = [];
      const code = await main(['--json', ...args], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { DATABASE_URL: t().url },
      });
      if (code !== 0) throw new Error(`cli ${args.join(' ')} failed: ${err.join('\n')}`);
      return JSON.parse(out.join('\n'));
    };
    // The CLI acts as the first admin (audit log).
    await adminActor(t().db.db);
    const added = await cli('providers', 'add', '--name', uniqueName('up'), '--url', u.url, '--key', u.key);
    expect(added).toEqual({ id: expect.any(Number) });
    const providerId = String(added.id);
    expect(await cli('providers', 'balance', '--provider', providerId)).toMatchObject({ balance: '100.00' });

    // --ids: only the services asked for.
    const first = await cli(
      'services',
      'import',
      '--provider',
      providerId,
      '--markup',
      '50',
      '--ids',
      '101,102',
    );
    expect(first.created).toHaveLength(2);
    expect(u.callsOf('services')).toHaveLength(1);
    const byUpstream = async () => {
      const rows = await db()
        .selectFrom('services')
        .selectAll()
        .where('provider_id', '=', added.id)
        .execute();
      return new Map(rows.map((r) => [String(r.provider_service_id), r]));
    };
    expect([...(await byUpstream()).keys()].sort()).toEqual(['101', '102']);

    // Everything, with a 25% markup: 0.657880205 × 1.25 = 0.82235025625 -> 0.8224; 1.0003 × 1.25 =
    // 1.250375 -> 1.2504; 0.0001 × 1.25 = 0.000125 -> 0.0001. Unknown types and unreadable entries skipped.
    const all = await cli('services', 'import', '--provider', providerId, '--markup', '25');
    expect(all.created).toHaveLength(1);
    expect(all.updated).toHaveLength(2);
    expect(all.skipped).toEqual(
      expect.arrayContaining([
        { service: '104', reason: 'unknown type "Package"' },
        { service: '?', reason: '1 unreadable entries' },
      ]),
    );
    let svc = await byUpstream();
    expect([...svc.keys()].sort()).toEqual(['101', '102', '103']);
    expect(toUnits(svc.get('101')?.rate_units)).toBe(units('0.8224'));
    expect(toUnits(svc.get('102')?.rate_units)).toBe(units('1.2504'));
    expect(toUnits(svc.get('103')?.rate_units)).toBe(units('0.0001'));
    expect(svc.get('101')).toMatchObject({ type: 'Default', refill: 1, cancel: 1, dripfeed: 0, enabled: 1 });
    expect(Number(svc.get('101')?.min_quantity)).toBe(20);
    expect(Number(svc.get('101')?.max_quantity)).toBe(5000);
    expect(svc.get('102')).toMatchObject({ type: 'Custom Comments', refill: 0, cancel: 0 });
    expect(svc.get('103')).toMatchObject({ dripfeed: 1, provider_dripfeed: 1 });

    // Exactly half way rounds up: 1.0003 × 1.5 = 1.50045 -> 1.5005 (half-even would give 1.5004).
    await cli('services', 'import', '--provider', providerId, '--markup', '50', '--ids', '102');
    expect(toUnits((await byUpstream()).get('102')?.rate_units)).toBe(units('1.5005'));

    // Re-import after the upstream changed a rate and dropped service 102.
    u.services = [
      upstreamService(101, { rate: '0.8', refill: true, cancel: true, min: 20, max: 5000 }),
      upstreamService(103, { rate: '0.0001', dripfeed: true }),
    ];
    const again = await cli('services', 'import', '--provider', providerId, '--markup', '25');
    svc = await byUpstream();
    expect(again.disabled).toEqual([Number(svc.get('102')?.id)]);
    expect(toUnits(svc.get('101')?.rate_units)).toBe(units('1'));
    expect(svc.get('102')?.enabled).toBe(0);

    // Customers see the rates as imported, and not the vanished service.
    const user = await seedUser(db(), '10');
    const list = (await callApi(app, { key: user.apiKey, action: 'services' })).body as {
      service: number;
      rate: string;
    }[];
    const shown = new Map(list.map((s) => [s.service, s.rate]));
    expect(shown.get(Number(svc.get('101')?.id))).toBe('1');
    expect(shown.get(Number(svc.get('103')?.id))).toBe('0.0001');
    expect(shown.has(Number(svc.get('102')?.id))).toBe(false);
    const refused = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: Number(svc.get('102')?.id),
      link: newLink('gone'),
      comments: 'a\nb',
    });
    expect(refused.body).toEqual({ error: 'Incorrect service ID' });
  });

  // ---- dispatch ---------------------------------------------------------------------------------

  it('an order of each type is sent exactly once with every parameter of its type, then shows Processing', async () => {
    const u = await upstream({
      services: [
        upstreamService(1, { rate: '0.5' }),
        upstreamService(2, { type: 'Custom Comments', rate: '10', min: 1, max: 100 }),
        upstreamService(3, { type: 'Mentions with Hashtags', rate: '3', min: 10, max: 1000 }),
        upstreamService(4, { type: 'Poll', rate: '2', min: 10, max: 1000 }),
        upstreamService(5, { type: 'Subscriptions', rate: '0.3', min: 50, max: 5000 }),
      ],
    });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '100');
    const tomorrow = new Date(Date.now() + 86_400_000);
    const expiry = `${tomorrow.getUTCDate()}/${tomorrow.getUTCMonth() + 1}/${tomorrow.getUTCFullYear()}`;
    const expiryPadded = `${String(tomorrow.getUTCDate()).padStart(2, '0')}/${String(tomorrow.getUTCMonth() + 1).padStart(2, '0')}/${tomorrow.getUTCFullYear()}`;
    const links = {
      def: newLink('default'),
      comments: newLink('comments'),
      mentions: newLink('mentions'),
      poll: newLink('poll'),
    };
    const subUser = `sub_${process.pid}_${++linkSeq}`;
    const ids = {
      def: await add(user.apiKey, { service: svc(1), link: links.def, quantity: 1000 }),
      comments: await add(user.apiKey, {
        service: svc(2),
        link: links.comments,
        comments: 'first one\r\nsecond one\n\n third \r\n',
      }),
      mentions: await add(user.apiKey, {
        service: svc(3),
        link: links.mentions,
        quantity: 100,
        usernames: 'alice\r\nbob',
        hashtags: '#one\n#two',
      }),
      poll: await add(user.apiKey, {
        service: svc(4),
        link: links.poll,
        quantity: 200,
        question: 'Best colour?',
        answers: 'red\nblue',
      }),
      sub: await add(user.apiKey, {
        service: svc(5),
        username: subUser,
        min: 100,
        max: 200,
        posts: 3,
        delay: 30,
        expiry,
      }),
    };
    const e = engine();
    await e.until(async () => {
      for (const id of Object.values(ids)) if ((await row(id)).dispatch_state !== 'sent') return false;
      return true;
    }, 5);
    await e.rounds(3);

    const adds = u.callsOf('add').map((c) => c.params);
    expect(adds).toHaveLength(5);
    const byKey = (v: string) => adds.filter((p) => p.link === v || p.username === v);
    const base = { key: u.key, action: 'add' };
    expect(byKey(links.def)).toEqual([{ ...base, service: '1', link: links.def, quantity: '1000' }]);
    expect(byKey(links.comments)).toEqual([
      { ...base, service: '2', link: links.comments, comments: 'first one\nsecond one\nthird' },
    ]);
    expect(byKey(links.mentions)).toEqual([
      {
        ...base,
        service: '3',
        link: links.mentions,
        quantity: '100',
        usernames: 'alice\nbob',
        hashtags: '#one\n#two',
      },
    ]);
    expect(byKey(links.poll)).toEqual([
      {
        ...base,
        service: '4',
        link: links.poll,
        quantity: '200',
        question: 'Best colour?',
        answers: 'red\nblue',
      },
    ]);
    expect(byKey(subUser)).toEqual([
      {
        ...base,
        service: '5',
        username: subUser,
        min: '100',
        max: '200',
        posts: '3',
        old_posts: '0',
        delay: '30',
        expiry: expiryPadded,
      },
    ]);

    // Each order records the upstream's id for it and shows Processing to the customer.
    for (const [k, id] of Object.entries(ids)) {
      const r = await row(id);
      const link = k === 'sub' ? subUser : links[k as keyof typeof links];
      expect(r.provider_order_id).toBe(u.orderByLink(link)?.id);
      expect(r.dispatch_attempts).toBe(1);
    }
    const st = await callApi(app, {
      key: user.apiKey,
      action: 'status',
      orders: Object.values(ids).join(','),
    });
    for (const id of Object.values(ids)) expect(st.body[String(id)].status).toBe('Processing');
    await ledgerClean();
  });

  it('250 active orders are synced with the multi status call, at most 100 ids a call, every order seen; Completed keeps the charge, Partial refunds remains × rate / 1000, Canceled refunds all', async () => {
    const rate = '1.2345';
    const u = await upstream({ services: [upstreamService(1, { rate })] });
    const { providerId, svc } = await connect(u);
    const start = '100';
    const user = await seedUser(db(), start);
    const N = 250;
    const ids: number[] = [];
    for (let i = 0; i < N; i += 25) {
      const chunk = Array.from({ length: 25 }, () =>
        add(user.apiKey, { service: svc(1), link: newLink('bulk'), quantity: 100 }),
      );
      ids.push(...(await Promise.all(chunk)));
    }
    const e = engine();
    await e.until(async () => {
      const n = await db()
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('id', 'in', ids)
        .where('dispatch_state', '=', 'sent')
        .executeTakeFirstOrThrow();
      return Number(n.n) === N;
    }, 10);
    expect(u.callsOf('add')).toHaveLength(N);

    // Fairness: one batch at a time, the most overdue first, so however many are due none starves:
    // the first two batches are 200 distinct orders and the third takes the 50 left before any repeat.
    const provider = await findProvider(db(), providerId);
    if (!provider) throw new Error('provider');
    u.calls.length = 0;
    for (let tick = 0; tick < 3; tick++) {
      e.advance(1);
      expect(await syncProviderBatch(e.ctx, provider)).toBe(100);
    }
    const batches = u.callsOf('status').map((c) => new Set(c.params.orders?.split(',')));
    expect(batches).toHaveLength(3);
    const [b1, b2, b3] = batches as [Set<string>, Set<string>, Set<string>];
    expect([...b1].filter((x) => b2.has(x))).toEqual([]);
    const all = new Set([...b1, ...b2, ...b3]);
    expect(all.size).toBe(N);

    const upstreamIdOf = new Map<number, string>();
    for (const id of ids) upstreamIdOf.set(id, String((await row(id)).provider_order_id));
    // The outcome of each order: 0 Completed, 1 Partial (remains 1..99), 2 Canceled, 3 still running.
    const outcome = (i: number) => i % 4;
    const remainsOf = (i: number) => (i % 99) + 1;
    for (const [i, id] of ids.entries()) {
      const uid = upstreamIdOf.get(id) as string;
      const o = outcome(i);
      u.setStatus(
        uid,
        o === 0
          ? { status: 'Completed', remains: '0', start_count: '150', charge: '0.1' }
          : o === 1
            ? { status: 'Partial', remains: String(remainsOf(i)), start_count: '150' }
            : o === 2
              ? { status: 'Canceled', remains: '100', start_count: '150' }
              : { status: 'In progress', remains: '60', start_count: '150' },
      );
    }
    u.calls.length = 0;
    await e.round();
    const statusCalls = u.callsOf('status');
    expect(statusCalls.length).toBeGreaterThanOrEqual(3);
    const polled = new Set<string>();
    for (const c of statusCalls) {
      expect(c.params.order).toBeUndefined();
      const list = c.params.orders?.split(',') ?? [];
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(100);
      for (const x of list) polled.add(x);
    }
    for (const uid of upstreamIdOf.values()) expect(polled.has(uid)).toBe(true);

    await e.until(async () => {
      for (const [i, id] of ids.entries()) {
        const want = ['completed', 'partial', 'canceled', 'in_progress'][outcome(i)];
        if ((await row(id)).status !== want) return false;
      }
      return true;
    }, 5);

    const rateUnits = units(rate);
    const charge = unitsFor(rate, 100);
    let kept = 0n;
    for (const [i, id] of ids.entries()) {
      const o = await orderOf(db(), id);
      expect(o.chargeUnits).toBe(charge);
      const o4 = outcome(i);
      const refund = o4 === 1 ? unitsFor(rate, remainsOf(i)) : o4 === 2 ? charge : 0n;
      expect(o.refundedUnits).toBe(refund);
      if (o4 === 1) expect(refund).toBe((rateUnits * BigInt(remainsOf(i))) / 1000n);
      expect(o.remains).toBe(o4 === 0 ? 0n : o4 === 1 ? BigInt(remainsOf(i)) : o4 === 2 ? 100n : 60n);
      expect(o.startCount).toBe(150n);
      kept += charge - refund;
    }
    expect(await balanceOf(user.id)).toBe(units(start) - kept);

    // The customer's view of one of each, through the multi status call.
    const shown = await callApi(app, {
      key: user.apiKey,
      action: 'status',
      orders: ids.slice(0, 4).join(','),
    });
    expect(shown.body[String(ids[0])]).toEqual({
      charge: '0.12345',
      start_count: '150',
      status: 'Completed',
      remains: '0',
      currency: 'USD',
    });
    expect(shown.body[String(ids[1])]).toEqual({
      charge: '0.120981', // 0.12345 - 2 × 1.2345 / 1000
      start_count: '150',
      status: 'Partial',
      remains: '2',
      currency: 'USD',
    });
    expect(shown.body[String(ids[2])]).toMatchObject({ charge: '0.00', status: 'Canceled', remains: '100' });
    expect(shown.body[String(ids[3])]).toMatchObject({
      charge: '0.12345',
      status: 'In progress',
      remains: '60',
    });

    // Terminal orders are not asked about again; the running ones finish later.
    u.calls.length = 0;
    await e.round();
    const asked = new Set(u.callsOf('status').flatMap((c) => c.params.orders?.split(',') ?? []));
    expect(asked.size).toBe(ids.filter((_, i) => outcome(i) === 3).length);
    for (const [i, id] of ids.entries())
      if (outcome(i) === 3)
        u.setStatus(upstreamIdOf.get(id) as string, { status: 'Completed', remains: '0' });
    await e.until(async () => {
      for (const [i, id] of ids.entries())
        if (outcome(i) === 3 && (await row(id)).status !== 'completed') return false;
      return true;
    }, 5);
    await ledgerClean();
  });

  it('an order whose status does not change is checked less and less often (base × 2^n, capped), and any change brings it back to the base interval', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('backoff'), quantity: 100 });
    const e = engine({ syncBaseMs: 1000, syncMaxMs: 4000 });
    await e.until(sent(id), 2);
    const uid = String((await row(id)).provider_order_id);
    const polledAt: number[] = [];
    for (let second = 1; second <= 18; second++) {
      e.advance(1000);
      if (second === 12) u.setStatus(uid, { status: 'In progress', remains: '50' });
      const before = u.callsOf('status').length;
      await e.round();
      if (u.callsOf('status').length > before) polledAt.push(second);
    }
    // 1 s: the first answer brings news (start count 0): next in 1 s. Then unchanged: +2 s, +4 s, +4 s
    // (capped). The change set at 12 s is seen at 12 s: back to +1 s, then +2 s again.
    expect(polledAt).toEqual([1, 2, 4, 8, 12, 13, 15]);
    expect(await row(id)).toMatchObject({ status: 'in_progress' });
  });

  it('an upstream refusal about the order cancels it with a full refund and keeps the message for the operator', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '2' })] });
    u.handlers.add = (p) => (p.link?.includes('badlink') ? { json: { error: 'Incorrect link' } } : undefined);
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const link = newLink('badlink');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 500 });
    expect(await balanceOf(user.id)).toBe(units('4'));
    const e = engine();
    await e.until(statusIs(id, 'canceled'), 3);
    await e.rounds(3);
    expect(addsFor(u, link)).toBe(1);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'canceled', dispatch_state: 'closed', last_error: 'Incorrect link' });
    expect(r.provider_order_id).toBeNull();
    expect(await balanceOf(user.id)).toBe(units('5'));
    const st = await callApi(app, { key: user.apiKey, action: 'status', order: id });
    expect(st.body).toMatchObject({ status: 'Canceled', charge: '0.00', remains: '500' });
    await ledgerClean();
  });

  it('"retry later" answers (a rate limit, an internal error) queue the order again with backoff instead of canceling it', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '2' })] });
    let busy = 2;
    u.handlers.add = () =>
      busy-- > 0
        ? {
            json: {
              error:
                busy === 1 ? 'Too many requests, retry in 30 seconds' : 'Internal error, please retry later',
            },
          }
        : undefined;
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const link = newLink('busy');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 500 });
    const e = engine({ retryBaseMs: 1000, retryMaxMs: 1000 });
    await e.round();
    expect(await row(id)).toMatchObject({
      status: 'pending',
      dispatch_state: 'queued',
      last_error: 'Too many requests, retry in 30 seconds',
    });
    expect(await balanceOf(user.id)).toBe(units('4'));
    e.advance(1001);
    await e.round();
    expect(await row(id)).toMatchObject({
      dispatch_state: 'queued',
      last_error: 'Internal error, please retry later',
    });
    e.advance(1001);
    await e.until(sent(id), 2);
    expect(addsFor(u, link)).toBe(3);
    await ledgerClean();
  });

  it('a forwarded drip-feed keeps its runs and interval even if a re-import turned the upstream flag off before it was sent', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1', dripfeed: true })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const link = newLink('drip-flag');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 100, runs: 3, interval: 10 });
    expect(await row(id)).toMatchObject({ dispatch_state: 'queued' });
    await db().updateTable('services').set({ provider_dripfeed: 0 }).where('id', '=', svc(1)).execute();
    await engine().until(sent(id), 2);
    expect(u.callsOf('add')[0]?.params).toMatchObject({ link, quantity: '100', runs: '3', interval: '10' });
  });

  it('an absurd jump in delivered posts of a per-post subscription is ignored quickly and charges nothing', async () => {
    const u = await upstream({
      services: [upstreamService(1, { type: 'Subscriptions', rate: '1', min: 10, max: 100 })],
    });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '1');
    const id = await add(user.apiKey, { service: svc(1), username: newLink('sub-jump'), min: 10, max: 100 });
    const e = engine();
    await e.until(sent(id), 2);
    const up = String((await row(id)).provider_order_id);
    u.setStatus(up, { status: 'Active', posts: '20000000' });
    const started = Date.now();
    await e.rounds(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(toUnits((await row(id)).charge_units)).toBe(0n);
    // The reserve of one post (100 × 1 / 1000) was set aside at placement.
    expect(await balanceOf(user.id)).toBe(units('0.9'));
    u.setStatus(up, { status: 'Active', posts: '3' });
    await e.rounds(2);
    // 3 posts × 100 × 1 / 1000 = 0.3, in one debit; the reserve of 0.1 is set aside again.
    expect(toUnits((await row(id)).charge_units)).toBe(units('0.3'));
    expect(await balanceOf(user.id)).toBe(units('0.6'));
    await ledgerClean();
  });

  it('orders set refuses an order that is with its provider unless forced', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('set-sent'), quantity: 100 });
    await engine().until(sent(id), 2);
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env: { DATABASE_URL: t().url },
    };
    expect(await main(['orders', 'set', '--order', String(id), '--status', 'Canceled'], io)).toBe(1);
    expect(err[0]).toMatch(/is with its provider \(sent\)/);
    expect((await row(id)).status).toBe('processing');
    expect(await main(['orders', 'set', '--order', String(id), '--status', 'Canceled', '--force'], io)).toBe(
      0,
    );
    expect((await row(id)).status).toBe('canceled');
    await ledgerClean();
  });

  it('a send declared stale while in flight: its late acceptance is recorded if the operator re-queued it, and raised as a possible duplicate if it was canceled meanwhile', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const requeued = newLink('late-requeued');
    const canceled = newLink('late-canceled');
    // While each add is in flight: another worker declares the claim stale (review) and the operator
    // resolves it, as not sent for one order and as cancel for the other.
    u.handlers.add = (p, up) => ({
      json: { order: Number(up.createOrder(p).id) },
      before: async () => {
        const id = p.link === requeued ? a : b;
        await db().updateTable('orders').set({ dispatch_state: 'review' }).where('id', '=', id).execute();
        const resolution = p.link === requeued ? { kind: 'not_sent' as const } : { kind: 'cancel' as const };
        expect(
          (await resolveReview({ db: db(), actor: await adminActor(db()), orderId: id, resolution })).ok,
        ).toBe(true);
      },
    });
    const a = await add(user.apiKey, { service: svc(1), link: requeued, quantity: 100 });
    const b = await add(user.apiKey, { service: svc(1), link: canceled, quantity: 100 });
    const e = engine();
    await e.round();
    delete u.handlers.add;
    await e.rounds(2);
    // Re-queued but not yet sent again: the late answer is the truth; no second add.
    expect(await row(a)).toMatchObject({
      dispatch_state: 'sent',
      provider_order_id: u.orderByLink(requeued)?.id,
    });
    expect(addsFor(u, requeued)).toBe(1);
    // Canceled and refunded meanwhile: it stays so, and the operator is told which upstream order to cancel.
    expect(await row(b)).toMatchObject({ status: 'canceled', dispatch_state: 'closed' });
    const alerts = await db()
      .selectFrom('alerts')
      .selectAll()
      .where('order_id', '=', b)
      .where('kind', '=', 'possible_duplicate')
      .execute();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain(String(u.orderByLink(canceled)?.id));
    await ledgerClean();
  });

  it('a provider URL that answers a 404 page holds the provider (nothing was processed), never sends to review, and refunds nothing', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '2' })] });
    let wrongUrl = true;
    u.handlers.add = () =>
      wrongUrl ? { status: 404, body: '<html>Not Found</html>', type: 'text/html' } : undefined;
    const { providerId, svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const link = newLink('http404');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 500 });
    const e = engine();
    await e.until(async () => (await row(id)).dispatch_state === 'held', 3);
    expect(await row(id)).toMatchObject({
      status: 'pending',
      last_error: "the provider's URL answered HTTP 404: <html>Not Found</html>",
    });
    expect((await findProvider(db(), providerId))?.state).toBe('held');
    expect(await balanceOf(user.id)).toBe(units('4'));
    wrongUrl = false;
    expect(await resumeProvider({ db: db(), actor: SYSTEM, providerId })).toMatchObject({
      ok: true,
      value: { requeued: 1 },
    });
    await e.until(sent(id), 3);
    expect(addsFor(u, link)).toBe(2);
    await ledgerClean();
  });

  it('a cancel answered with a number (1), as many panels do, counts as forwarded', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1', cancel: true })] });
    u.handlers.cancel = (p) => ({
      json: (p.orders ?? '').split(',').map((o) => ({ order: Number(o), cancel: 1 })),
    });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '5');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('cancel-num'), quantity: 100 });
    const e = engine();
    await e.until(sent(id), 3);
    expect((await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(id) })).body).toEqual([
      { order: id, cancel: 'Your cancellation request has been received.' },
    ]);
    await e.until(async () => (await row(id)).cancel_state === 'forwarded', 3);
    expect(u.callsOf('cancel')).toHaveLength(1);
  });

  it('a refusal about the target profile ("This account is private") is about the order: canceled and refunded, the provider keeps working', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    const messages = ['This account is private', 'Instagram account is private or does not exist'];
    u.handlers.add = (p) => {
      const i = Number((p.link ?? '').match(/private(\d)-/)?.[1] ?? -1);
      return i >= 0 ? { json: { error: messages[i] } } : undefined;
    };
    const { providerId, svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const ids = [
      await add(user.apiKey, { service: svc(1), link: newLink('private0'), quantity: 100 }),
      await add(user.apiKey, { service: svc(1), link: newLink('private1'), quantity: 100 }),
    ];
    const fine = await add(user.apiKey, { service: svc(1), link: newLink('public'), quantity: 100 });
    const e = engine();
    await e.until(
      async () =>
        (await statusIs(ids[0] as number, 'canceled')()) && (await statusIs(ids[1] as number, 'canceled')()),
      3,
    );
    await e.until(sent(fine), 3);
    for (const [i, id] of ids.entries()) expect((await row(id)).last_error).toBe(messages[i]);
    expect(
      (
        await db()
          .selectFrom('providers')
          .select('state')
          .where('id', '=', providerId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('active');
    expect(await balanceOf(user.id)).toBe(units('9.9'));
    await ledgerClean();
  });

  it('a refusal about our account holds the order and the provider with an alert, refunds nothing, and sends it exactly once when the probe finds the account working', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    let broke = true;
    u.balance = '0.00';
    u.handlers.add = () => (broke ? { json: { error: 'Not enough funds on balance' } } : undefined);
    const { providerId, svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const linkA = newLink('held-a');
    const a = await add(user.apiKey, { service: svc(1), link: linkA, quantity: 1000 });
    const e = engine({ probeMs: 120_000 });
    await e.until(async () => (await row(a)).dispatch_state === 'held', 3);
    const provider = await db()
      .selectFrom('providers')
      .selectAll()
      .where('id', '=', providerId)
      .executeTakeFirstOrThrow();
    expect(provider).toMatchObject({ state: 'held', held_reason: 'Not enough funds on balance' });
    const alerts = await db()
      .selectFrom('alerts')
      .selectAll()
      .where('provider_id', '=', providerId)
      .execute();
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'provider_held', order_id: a, resolved_at: null }),
    ]);
    expect(await row(a)).toMatchObject({ status: 'pending', last_error: 'Not enough funds on balance' });
    expect(toUnits((await row(a)).refunded_units)).toBe(0n);
    expect(await balanceOf(user.id)).toBe(units('9'));
    expect((await callApi(app, { key: user.apiKey, action: 'status', order: a })).body).toMatchObject({
      status: 'Pending',
      charge: '1.00',
    });

    // A new order for a held provider waits; nothing is sent while it is held.
    const linkB = newLink('held-b');
    const b = await add(user.apiKey, { service: svc(1), link: linkB, quantity: 500 });
    await e.rounds(3);
    expect(await row(b)).toMatchObject({ dispatch_state: 'queued', dispatch_attempts: 0 });
    expect(u.callsOf('add')).toHaveLength(1);

    // The probe asks our balance there; still empty: still held.
    e.advance(120_001);
    await e.round();
    expect(u.callsOf('balance').length).toBeGreaterThanOrEqual(1);
    expect(
      (
        await db()
          .selectFrom('providers')
          .select('state')
          .where('id', '=', providerId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('held');
    expect(u.callsOf('add')).toHaveLength(1);

    // Topped up: the next probe resumes the provider and both orders are sent, once each.
    broke = false;
    u.balance = '50.00';
    e.advance(120_001);
    await e.until(async () => (await sent(a)()) && (await sent(b)()), 4);
    await e.rounds(3);
    expect(addsFor(u, linkA)).toBe(2); // the refused one, then the accepted one
    expect(addsFor(u, linkB)).toBe(1);
    expect([...u.orders.values()].filter((o) => o.params.link === linkA)).toHaveLength(1);
    expect([...u.orders.values()].filter((o) => o.params.link === linkB)).toHaveLength(1);
    expect(
      (
        await db()
          .selectFrom('providers')
          .select('state')
          .where('id', '=', providerId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('active');
    const after = await db().selectFrom('alerts').selectAll().where('provider_id', '=', providerId).execute();
    expect(after.every((x) => x.resolved_at !== null)).toBe(true);
    expect(await balanceOf(user.id)).toBe(units('8.5'));
    await ledgerClean();
  });

  it('an invalid-key refusal holds the provider until the operator resumes it; then the order is sent exactly once', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1' })] });
    let badKey = true;
    u.handlers.add = () => (badKey ? { json: { error: 'Invalid API key' } } : undefined);
    const { providerId, svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const link = newLink('badkey');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 100 });
    const e = engine();
    await e.until(async () => (await row(id)).dispatch_state === 'held', 3);
    await e.rounds(2);
    expect(addsFor(u, link)).toBe(1);
    badKey = false;
    expect(await resumeProvider({ db: db(), actor: SYSTEM, providerId, now: e.now() })).toMatchObject({
      ok: true,
      value: { requeued: 1 },
    });
    await e.until(sent(id), 3);
    await e.rounds(2);
    expect(addsFor(u, link)).toBe(2);
    expect([...u.orders.values()].filter((o) => o.params.link === link)).toHaveLength(1);
    expect(toUnits((await row(id)).refunded_units)).toBe(0n);
    await ledgerClean();
  });

  it('connection refused leaves the order queued with a later retry and one more attempt counted; it is sent once the upstream is up', async () => {
    // Import from a live upstream, then point the provider at a port where nothing listens (the
    // operator's `providers set --url`). A fresh port: no pooled keep-alive socket to it exists.
    const first = await upstream({ services: [upstreamService(1)] });
    const { providerId, svc } = await connect(first);
    const port = await closedPort();
    await db()
      .updateTable('providers')
      .set({ url: `http://127.0.0.1:${port}/api/v2` })
      .where('id', '=', providerId)
      .execute();
    const user = await seedUser(db(), '10');
    const link = newLink('refused');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 100 });
    const e = engine({ retryBaseMs: 60_000 });
    const before = e.now();
    await e.round();
    let r = await row(id);
    expect(r).toMatchObject({ status: 'pending', dispatch_state: 'queued', dispatch_attempts: 1 });
    expect(r.last_error).toMatch(/ECONNREFUSED/);
    expect(Number(r.next_attempt_at)).toBeGreaterThanOrEqual(before + 60_000);
    expect(Number(r.next_attempt_at)).toBeLessThanOrEqual(e.now() + 60_000);

    // Not due yet: no new attempt.
    await e.rounds(3);
    expect((await row(id)).dispatch_attempts).toBe(1);

    // Due, still down: the second attempt fails too and waits twice as long.
    e.advance(60_001);
    const before2 = e.now();
    await e.round();
    r = await row(id);
    expect(r).toMatchObject({ dispatch_state: 'queued', dispatch_attempts: 2 });
    expect(Number(r.next_attempt_at)).toBeGreaterThanOrEqual(before2 + 120_000);

    // The upstream comes up on that port; once due the order is sent, once.
    const u = await upstream({ port, services: [upstreamService(1)] });
    await e.rounds(2);
    expect(u.callsOf('add')).toHaveLength(0);
    e.advance(120_001);
    await e.until(sent(id), 3);
    await e.rounds(2);
    expect(addsFor(u, link)).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'processing', dispatch_attempts: 3, last_error: null });
    await ledgerClean();
  });

  it('a send with an unknown outcome (timeout, HTTP 500, HTML) goes to review, is never re-sent by the engine, and the operator resolves it as sent, not sent or cancel', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '4' })] });
    const misbehave = new Set(['hang', 'http500', 'html']);
    u.handlers.add = (p, up) => {
      const kind = (p.link ?? '').match(/\/(hang|http500|html)-/)?.[1];
      if (!kind || !misbehave.has(kind)) return undefined;
      if (kind === 'hang') {
        up.createOrder(p); // it took the order, but we never hear back
        return { hang: true };
      }
      if (kind === 'http500') return { status: 500, body: '{"order": 1}', type: 'application/json' };
      return { status: 200, body: '<html><body>Cloudflare: checking your browser</body></html>' };
    };
    const { providerId, svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const links = { hang: newLink('hang'), http500: newLink('http500'), html: newLink('html') };
    const ids = {
      hang: await add(user.apiKey, { service: svc(1), link: links.hang, quantity: 250 }),
      http500: await add(user.apiKey, { service: svc(1), link: links.http500, quantity: 250 }),
      html: await add(user.apiKey, { service: svc(1), link: links.html, quantity: 250 }),
    };
    expect(await balanceOf(user.id)).toBe(units('7'));
    const e = engine({ httpTimeoutMs: 1000 });
    await e.until(async () => {
      for (const id of Object.values(ids)) if ((await row(id)).dispatch_state !== 'review') return false;
      return true;
    }, 3);
    expect((await row(ids.hang)).last_error).toBe('no answer within 1000 ms');
    expect((await row(ids.http500)).last_error).toBe('HTTP 500');
    expect((await row(ids.html)).last_error).toMatch(/^not JSON \(HTTP 200\): <html>/);
    const alerts = await db()
      .selectFrom('alerts')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('kind', '=', 'order_review')
      .execute();
    expect(alerts.map((a) => Number(a.order_id)).sort()).toEqual(Object.values(ids).sort());

    // Further rounds, even much later, never send them again.
    e.advance(3_600_000);
    await e.rounds(4);
    for (const k of Object.keys(links) as (keyof typeof links)[]) expect(addsFor(u, links[k])).toBe(1);
    for (const id of Object.values(ids)) {
      expect(await row(id)).toMatchObject({
        dispatch_state: 'review',
        status: 'pending',
        dispatch_attempts: 1,
      });
    }
    expect(await balanceOf(user.id)).toBe(units('7'));

    // The operator looks upstream: the hung one exists there; the 500 one does not; the HTML one is dropped.
    misbehave.clear();
    const upstreamHang = u.orderByLink(links.hang);
    expect(upstreamHang).toBeDefined();
    const r1 = await resolveReview({
      db: db(),
      actor: await adminActor(db()),
      orderId: ids.hang,
      resolution: { kind: 'sent', upstreamOrderId: upstreamHang?.id ?? '' },
      now: e.now(),
    });
    expect(r1.ok).toBe(true);
    expect(
      (
        await resolveReview({
          db: db(),
          actor: await adminActor(db()),
          orderId: ids.http500,
          resolution: { kind: 'not_sent' },
          now: e.now(),
        })
      ).ok,
    ).toBe(true);
    expect(
      (
        await resolveReview({
          db: db(),
          actor: await adminActor(db()),
          orderId: ids.html,
          resolution: { kind: 'cancel' },
          now: e.now(),
        })
      ).ok,
    ).toBe(true);
    // Resolving twice is refused.
    const twice = await resolveReview({
      db: db(),
      actor: await adminActor(db()),
      orderId: ids.html,
      resolution: { kind: 'cancel' },
    });
    expect(twice).toMatchObject({ ok: false, failure: { code: 'not_in_review', dispatchState: 'closed' } });

    u.setStatus(upstreamHang?.id ?? '', { status: 'Completed', remains: '0' });
    await e.until(async () => (await statusIs(ids.hang, 'completed')()) && (await sent(ids.http500)()), 4);
    await e.rounds(2);
    expect(addsFor(u, links.hang)).toBe(1);
    expect(addsFor(u, links.http500)).toBe(2); // sent again only because the operator said it was not sent
    expect(addsFor(u, links.html)).toBe(1);
    expect(await row(ids.http500)).toMatchObject({ status: 'processing', dispatch_state: 'sent' });
    expect(await row(ids.html)).toMatchObject({ status: 'canceled', dispatch_state: 'closed' });
    expect(toUnits((await row(ids.html)).refunded_units)).toBe(units('1'));
    expect(toUnits((await row(ids.hang)).refunded_units)).toBe(0n);
    expect(await balanceOf(user.id)).toBe(units('8'));
    const open = await db()
      .selectFrom('alerts')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('resolved_at', 'is', null)
      .execute();
    expect(open).toEqual([]);
    await ledgerClean();
  });

  // ---- cancels and refills ----------------------------------------------------------------------

  it('cancel is forwarded upstream for sent orders (money moves when the upstream ends them), and a queued order is canceled locally with a full refund, never sent', async () => {
    const rate = '3';
    const u = await upstream({ services: [upstreamService(1, { rate, cancel: true })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const links = { x: newLink('cx'), y: newLink('cy') };
    const x = await add(user.apiKey, { service: svc(1), link: links.x, quantity: 100 });
    const y = await add(user.apiKey, { service: svc(1), link: links.y, quantity: 100 });
    const e = engine();
    await e.until(async () => (await sent(x)()) && (await sent(y)()), 3);
    const ux = String((await row(x)).provider_order_id);
    const uy = String((await row(y)).provider_order_id);
    u.setStatus(ux, { status: 'In progress', remains: '100' });
    u.setStatus(uy, { status: 'In progress', remains: '70' });
    await e.round();

    // A queued order, canceled before any round picks it up.
    const zLink = newLink('cz');
    const z = await add(user.apiKey, { service: svc(1), link: zLink, quantity: 100 });
    const c = await callApi(app, { key: user.apiKey, action: 'cancel', orders: `${x},${y},${z}` });
    expect(c.body).toEqual([
      { order: x, cancel: 'Your cancellation request has been received.' },
      { order: y, cancel: 'Your cancellation request has been received.' },
      { order: z, cancel: 'Your cancellation request has been received.' },
    ]);
    await e.round();
    expect(await row(z)).toMatchObject({
      status: 'canceled',
      dispatch_state: 'closed',
      cancel_state: 'done',
    });
    expect(toUnits((await row(z)).refunded_units)).toBe(unitsFor(rate, 100));
    const cancels = u.callsOf('cancel');
    expect(cancels).toHaveLength(1);
    expect(cancels[0]?.params.orders?.split(',').sort()).toEqual([ux, uy].sort());
    expect(await row(x)).toMatchObject({ cancel_state: 'forwarded', status: 'in_progress' });
    expect(toUnits((await row(x)).refunded_units)).toBe(0n);

    // The upstream ends them: x Canceled (nothing delivered), y Partial (40 undelivered).
    u.setStatus(ux, { status: 'Canceled', remains: '100' });
    u.setStatus(uy, { status: 'Partial', remains: '40' });
    await e.until(async () => (await statusIs(x, 'canceled')()) && (await statusIs(y, 'partial')()), 3);
    await e.rounds(2);
    expect(u.callsOf('cancel')).toHaveLength(1);
    expect(addsFor(u, zLink)).toBe(0);
    expect(toUnits((await row(x)).refunded_units)).toBe(unitsFor(rate, 100));
    expect(toUnits((await row(y)).refunded_units)).toBe(unitsFor(rate, 40));
    expect(await balanceOf(user.id)).toBe(units('10') - unitsFor(rate, 60));
    await ledgerClean();
  });

  it('a refill of a Completed order is forwarded with `refill` and followed with `refill_status` up to Completed', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1', refill: true })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const id = await add(user.apiKey, { service: svc(1), link: newLink('refill'), quantity: 100 });
    const e = engine();
    await e.until(sent(id), 3);
    const uid = String((await row(id)).provider_order_id);
    u.setStatus(uid, { status: 'Completed', remains: '0' });
    await e.until(statusIs(id, 'completed'), 3);

    const asked = await callApi(app, { key: user.apiKey, action: 'refill', order: id });
    expect(asked.body).toMatchObject({ order: String(id), refill: expect.any(String) });
    const refillId = Number(asked.body.refill);
    await e.round();
    expect(u.callsOf('refill').map((c) => c.params)).toEqual([{ key: u.key, action: 'refill', order: uid }]);
    const fwd = await db()
      .selectFrom('refills')
      .selectAll()
      .where('id', '=', refillId)
      .executeTakeFirstOrThrow();
    expect(fwd.forward_state).toBe('sent');
    const upstreamRefill = String(fwd.provider_refill_id);
    expect(u.refillStatus.has(upstreamRefill)).toBe(true);

    const shown = async () =>
      (await callApi(app, { key: user.apiKey, action: 'refill_status', refill: refillId })).body.status;
    await e.round();
    expect(await shown()).toBe('Pending');
    const statusCall = u.callsOf('refill_status').at(-1);
    expect(statusCall?.params.refills?.split(',')).toContain(upstreamRefill);
    u.refillStatus.set(upstreamRefill, 'In progress');
    await e.until(async () => (await shown()) === 'In progress', 3);
    u.refillStatus.set(upstreamRefill, 'Completed');
    await e.until(async () => (await shown()) === 'Completed', 3);
    const calls = u.callsOf('refill_status').length;
    await e.rounds(3);
    expect(u.callsOf('refill_status').length).toBe(calls);
    expect(u.callsOf('refill')).toHaveLength(1);

    // A second refill, refused upstream: Rejected, with the upstream's message kept for the operator.
    u.handlers.refill = () => ({ json: { error: 'Order cannot be refilled' } });
    const second = await callApi(app, { key: user.apiKey, action: 'refill', order: id });
    const secondId = Number(second.body.refill);
    await e.round();
    expect(
      (await callApi(app, { key: user.apiKey, action: 'refill_status', refill: secondId })).body,
    ).toEqual({
      refill: secondId,
      status: 'Rejected',
    });
    const rejected = await db()
      .selectFrom('refills')
      .selectAll()
      .where('id', '=', secondId)
      .executeTakeFirstOrThrow();
    expect(rejected).toMatchObject({ forward_state: 'closed', last_error: 'Order cannot be refilled' });
  });

  it('the refill window (services.refill_days) refuses refills asked too late with "Order cannot be refilled"; lifetime accepts them', async () => {
    const u = await upstream({ services: [upstreamService(1, { rate: '1', refill: true })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    expect(
      (
        await updateService({
          db: db(),
          actor: await adminActor(db()),
          serviceId: svc(1),
          changes: { refillDays: 1 },
        })
      ).ok,
    ).toBe(true);
    const fresh = await add(user.apiKey, { service: svc(1), link: newLink('win-fresh'), quantity: 100 });
    const old = await add(user.apiKey, { service: svc(1), link: newLink('win-old'), quantity: 100 });
    const e = engine();
    await e.until(async () => (await sent(fresh)()) && (await sent(old)()), 3);
    for (const id of [fresh, old])
      u.setStatus(String((await row(id)).provider_order_id), { status: 'Completed', remains: '0' });
    await e.until(
      async () => (await statusIs(fresh, 'completed')()) && (await statusIs(old, 'completed')()),
      3,
    );
    // The old order finished two days ago (outside a 1-day window); the fresh one just now.
    await db()
      .updateTable('orders')
      .set({ finished_at: Date.now() - 2 * 86_400_000 })
      .where('id', '=', old)
      .execute();
    await db()
      .updateTable('orders')
      .set({ finished_at: Date.now() - 1000 })
      .where('id', '=', fresh)
      .execute();

    const late = await callApi(app, { key: user.apiKey, action: 'refill', order: old });
    expect(late.body).toEqual({ error: 'Order cannot be refilled' });
    const multi = await callApi(app, { key: user.apiKey, action: 'refill', orders: `${old}` });
    expect(multi.body).toEqual([
      { order: old, refill: { error: 'Order cannot be refilled' }, message: 'Order cannot be refilled' },
    ]);
    expect(await db().selectFrom('refills').select('id').where('order_id', '=', old).execute()).toEqual([]);
    const inWindow = await callApi(app, { key: user.apiKey, action: 'refill', order: fresh });
    expect(inWindow.body).toMatchObject({ refill: expect.any(String) });

    expect(
      (
        await updateService({
          db: db(),
          actor: await adminActor(db()),
          serviceId: svc(1),
          changes: { refillDays: null },
        })
      ).ok,
    ).toBe(true);
    const lifetime = await callApi(app, { key: user.apiKey, action: 'refill', order: old });
    expect(lifetime.body).toMatchObject({ refill: expect.any(String) });
  });

  // ---- drip-feed --------------------------------------------------------------------------------

  it('drip-feed on an upstream service without it is split into runs placed every interval; the parent shows what is left of the whole order, run ids stay hidden, and a cancel stops unplaced runs and refunds what was not delivered', async () => {
    const rate = '2.5';
    const u = await upstream({ services: [upstreamService(1, { rate, dripfeed: false, cancel: true })] });
    const { svc } = await connect(u, { dripfeed: true });
    const user = await seedUser(db(), '10');
    const link = newLink('drip');
    const parent = await add(user.apiKey, { service: svc(1), link, quantity: 100, runs: 3, interval: 10 });
    const charge = unitsFor(rate, 300);
    expect(await balanceOf(user.id)).toBe(units('10') - charge);
    expect((await row(parent)).dispatch_state).toBe('runs');

    const e = engine();
    const children = async () =>
      db()
        .selectFrom('orders')
        .selectAll()
        .where('parent_order_id', '=', parent)
        .orderBy('run_index')
        .execute();
    await e.until(async () => (await children()).some((c) => c.dispatch_state === 'sent'), 3);
    expect(u.callsOf('add').map((c) => c.params)).toEqual([
      { key: u.key, action: 'add', service: '1', link, quantity: '100' },
    ]);
    const [c1] = await children();
    if (!c1) throw new Error('no run');
    expect(toUnits(c1.charge_units)).toBe(0n);

    // Customers never see run ids.
    expect((await callApi(app, { key: user.apiKey, action: 'status', order: Number(c1.id) })).body).toEqual({
      error: 'Incorrect order ID',
    });
    const multi = await callApi(app, { key: user.apiKey, action: 'status', orders: `${parent},${c1.id}` });
    expect(multi.body[String(c1.id)]).toEqual({ error: 'Incorrect order ID' });
    expect(multi.body[String(parent)]).toMatchObject({ status: 'Processing', remains: '300' });
    expect((await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(c1.id) })).body).toEqual([
      { order: Number(c1.id), cancel: { error: 'Incorrect order ID' } },
    ]);

    // Run 1 completes: the parent is in progress with 200 left (2 runs not placed yet).
    u.setStatus(String(c1.provider_order_id), { status: 'Completed', remains: '0' });
    await e.until(statusIs(Number(c1.id), 'completed'), 3);
    expect((await callApi(app, { key: user.apiKey, action: 'status', order: parent })).body).toMatchObject({
      status: 'In progress',
      remains: '200',
      charge: '0.75',
    });
    // Before the interval has passed no other run is placed.
    await e.rounds(3);
    expect(u.callsOf('add')).toHaveLength(1);
    e.advance(10 * 60_000 + 1000);
    await e.until(
      async () => (await children()).length === 2 && (await children())[1]?.dispatch_state === 'sent',
      3,
    );
    expect(u.callsOf('add')).toHaveLength(2);
    const c2 = (await children())[1];
    if (!c2) throw new Error('no run 2');
    u.setStatus(String(c2.provider_order_id), { status: 'In progress', remains: '40' });
    await e.until(async () => Number((await row(parent)).remains) === 140, 3);
    expect((await callApi(app, { key: user.apiKey, action: 'status', order: parent })).body).toMatchObject({
      status: 'In progress',
      remains: '140',
    });

    // Cancel the whole order: run 3 is never placed, run 2's cancel goes upstream.
    expect((await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(parent) })).body).toEqual(
      [{ order: parent, cancel: 'Your cancellation request has been received.' }],
    );
    await e.until(async () => u.callsOf('cancel').length > 0, 3);
    expect(u.callsOf('cancel')[0]?.params.orders).toBe(String(c2.provider_order_id));
    e.advance(60 * 60_000);
    await e.rounds(3);
    expect(u.callsOf('add')).toHaveLength(2);
    expect(await children()).toHaveLength(2);
    expect((await row(parent)).status).toBe('in_progress');

    // Run 2 ends Partial with 40 undelivered: the parent settles Partial, 140 of 300 refunded.
    u.setStatus(String(c2.provider_order_id), { status: 'Partial', remains: '40' });
    await e.until(statusIs(parent, 'partial'), 3);
    const p = await orderOf(db(), parent);
    expect(p.remains).toBe(140n);
    expect(p.refundedUnits).toBe(unitsFor(rate, 140));
    expect(await balanceOf(user.id)).toBe(units('10') - charge + unitsFor(rate, 140));
    expect((await callApi(app, { key: user.apiKey, action: 'status', order: parent })).body).toEqual({
      charge: '0.40',
      start_count: '0',
      status: 'Partial',
      remains: '140',
      currency: 'USD',
    });
    await e.rounds(2);
    expect((await orderOf(db(), parent)).refundedUnits).toBe(unitsFor(rate, 140));
    await ledgerClean();
  });

  it('an engine-split drip-feed whose runs all end settles the parent once: Completed keeps the charge, a short run makes it Partial', async () => {
    const rate = '1.5';
    const u = await upstream({ services: [upstreamService(1, { rate, dripfeed: false })] });
    const { svc } = await connect(u, { dripfeed: true });
    const user = await seedUser(db(), '10');
    const full = await add(user.apiKey, {
      service: svc(1),
      link: newLink('drip-full'),
      quantity: 50,
      runs: 2,
      interval: 5,
    });
    const short = await add(user.apiKey, {
      service: svc(1),
      link: newLink('drip-short'),
      quantity: 50,
      runs: 2,
      interval: 5,
    });
    const e = engine();
    const kids = (p: number) =>
      db().selectFrom('orders').selectAll().where('parent_order_id', '=', p).orderBy('run_index').execute();
    const finishRuns = async (n: number) => {
      await e.until(
        async () =>
          (await kids(full)).length === n &&
          (await kids(short)).length === n &&
          [...(await kids(full)), ...(await kids(short))].every((c) => c.dispatch_state === 'sent'),
        4,
      );
      const f = (await kids(full))[n - 1];
      const s = (await kids(short))[n - 1];
      u.setStatus(String(f?.provider_order_id), { status: 'Completed', remains: '0' });
      u.setStatus(
        String(s?.provider_order_id),
        n === 2 ? { status: 'Partial', remains: '30' } : { status: 'Completed', remains: '0' },
      );
    };
    await finishRuns(1);
    await e.rounds(2);
    expect((await row(full)).status).toBe('in_progress');
    e.advance(5 * 60_000 + 1000);
    await finishRuns(2);
    await e.until(
      async () => (await statusIs(full, 'completed')()) && (await statusIs(short, 'partial')()),
      4,
    );
    expect(toUnits((await row(full)).refunded_units)).toBe(0n);
    expect(toUnits((await row(short)).refunded_units)).toBe(unitsFor(rate, 30));
    expect(Number((await row(short)).remains)).toBe(30);
    expect(u.callsOf('add')).toHaveLength(4);
    e.advance(3_600_000);
    await e.rounds(2);
    expect(u.callsOf('add')).toHaveLength(4);
    expect(await balanceOf(user.id)).toBe(units('10') - unitsFor(rate, 200) + unitsFor(rate, 30));
    await ledgerClean();
  });

  it('an engine-split drip-feed canceled before its first run is canceled with a full refund and nothing is sent', async () => {
    const u = await upstream({
      services: [upstreamService(1, { rate: '2', dripfeed: false, cancel: true })],
    });
    const { svc } = await connect(u, { dripfeed: true });
    const user = await seedUser(db(), '10');
    const id = await add(user.apiKey, {
      service: svc(1),
      link: newLink('drip-early'),
      quantity: 100,
      runs: 5,
      interval: 10,
    });
    expect(await balanceOf(user.id)).toBe(units('9'));
    expect((await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(id) })).body).toEqual([
      { order: id, cancel: 'Your cancellation request has been received.' },
    ]);
    const e = engine();
    await e.until(statusIs(id, 'canceled'), 2);
    e.advance(3_600_000);
    await e.rounds(2);
    expect(u.callsOf('add')).toHaveLength(0);
    expect(await db().selectFrom('orders').select('id').where('parent_order_id', '=', id).execute()).toEqual(
      [],
    );
    expect(await balanceOf(user.id)).toBe(units('10'));
    expect(Number((await row(id)).remains)).toBe(500);
    await ledgerClean();
  });

  it('drip-feed on an upstream service with drip-feed is forwarded as one order with runs and interval', async () => {
    const rate = '0.8';
    const u = await upstream({ services: [upstreamService(1, { rate, dripfeed: true })] });
    const { svc } = await connect(u);
    const user = await seedUser(db(), '10');
    const link = newLink('drip-fwd');
    const id = await add(user.apiKey, { service: svc(1), link, quantity: 100, runs: 3, interval: 15 });
    expect((await row(id)).dispatch_state).toBe('queued');
    const e = engine();
    await e.until(sent(id), 3);
    expect(u.callsOf('add').map((c) => c.params)).toEqual([
      { key: u.key, action: 'add', service: '1', link, quantity: '100', runs: '3', interval: '15' },
    ]);
    u.setStatus(String((await row(id)).provider_order_id), { status: 'Partial', remains: '120' });
    await e.until(statusIs(id, 'partial'), 3);
    const o = await orderOf(db(), id);
    expect(o.remains).toBe(120n);
    expect(o.refundedUnits).toBe(unitsFor(rate, 120));
    expect(await db().selectFrom('orders').select('id').where('parent_order_id', '=', id).execute()).toEqual(
      [],
    );
    await ledgerClean();
  });

  // ---- against the built-in simulator -----------------------------------------------------------

  it('orders sent to the simulated provider (speed 50) all end settled, each sent exactly once, with the ledger balanced', async () => {
    const sim = await startSimulator({ seed: 7, speed: 50, key: 'sim-key', balance: '10000' });
    upstreams.push(sim);
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('sim'),
      url: sim.url,
      apiKey: 'sim-key',
    });
    if (!p.ok) throw new Error('provider');
    const imp = await importServices({
      db: db(),
      actor: SYSTEM,
      providerId: p.value.id,
      markupPercent: '20',
    });
    if (!imp.ok) throw new Error('import');
    const likes = await db()
      .selectFrom('services')
      .select(['id', 'rate_units'])
      .where('provider_id', '=', p.value.id)
      .where('provider_service_id', '=', '2')
      .executeTakeFirstOrThrow();
    expect(toUnits(likes.rate_units)).toBe(units('0.3')); // 0.25 + 20%
    const user = await seedUser(db(), '100');
    const ids: number[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        await add(user.apiKey, { service: Number(likes.id), link: newLink('sim'), quantity: 1000 + i * 10 }),
      );
    const e = engine();
    // The simulator's orders finish within ~0.5 s at speed 50: poll with a short pause between rounds.
    const deadline = Date.now() + 20_000;
    let done = false;
    while (!done && Date.now() < deadline) {
      await e.round();
      const active = await db()
        .selectFrom('orders')
        .select('id')
        .where('id', 'in', ids)
        .where('status', 'in', ['pending', 'processing', 'in_progress'])
        .execute();
      done = active.length === 0;
      if (!done) await new Promise((r) => setTimeout(r, 50));
    }
    expect(done).toBe(true);
    const stats = sim.stats();
    expect(stats.adds).toBe(20);
    expect(Object.values(stats.byLink).every((n) => n === 1)).toBe(true);
    let kept = 0n;
    for (const id of ids) {
      const o = await orderOf(db(), id);
      const expected =
        o.status === 'completed'
          ? 0n
          : o.status === 'partial'
            ? (o.rateUnits * o.remains) / 1000n
            : o.chargeUnits;
      expect(o.refundedUnits).toBe(expected);
      kept += o.chargeUnits - o.refundedUnits;
    }
    expect(await balanceOf(user.id)).toBe(units('100') - kept);
    await ledgerClean();
  });
});
