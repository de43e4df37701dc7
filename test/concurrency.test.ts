/**
 * Races that must not cost money: simultaneous orders against one balance, simultaneous settlements
 * of one order, simultaneous refill requests for one order. On SQLite through the API (one process,
 * one connection, transactions queued); on Postgres also through several separate connection pools
 * and several servers listening on real ports, so the statements really run in parallel.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/connect.js';
import { buildServer } from '../src/http/server.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount, parseRate, toUnits } from '../src/money.js';
import { placeOrder } from '../src/orders/place-order.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { createRefill } from '../src/refills/create-refill.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb, type TestDb } from './helpers/db.js';

const NOT_ENOUGH = { error: 'Not enough funds on balance' };

/** The charge of `quantity` at `rate` per 1000, computed here in 10^-4 × quantity = 10^-7 units. */
function chargeOf(rate: string, quantity: number): bigint {
  const [whole, frac = ''] = rate.split('.');
  return BigInt(`${whole}${frac.padEnd(4, '0')}`) * BigInt(quantity);
}

async function balanceUnits(t: TestDb, userId: number): Promise<bigint> {
  const row = await t.db.db
    .selectFrom('users')
    .select('balance_units')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return toUnits(row.balance_units);
}

async function expectBooksBalanced(t: TestDb): Promise<void> {
  expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
  const neg = await t.db.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('balance_after_units', '<', 0)
    .executeTakeFirstOrThrow();
  expect(Number(neg.n)).toBe(0);
  const negUsers = await t.db.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('balance_units', '<', 0)
    .executeTakeFirstOrThrow();
  expect(Number(negUsers.n)).toBe(0);
}

/** Orders of one user, counted in the database. */
async function orderCount(t: TestDb, userId: number): Promise<number> {
  const row = await t.db.db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Listen on a free port of 127.0.0.1; returns the endpoint URL. */
async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return `http://127.0.0.1:${addr.port}/api/v2`;
}

async function postForm(
  url: string,
  params: Record<string, string | number>,
): Promise<{ status: number; body: unknown }> {
  const body = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

describeEachDb('concurrent orders never overdraw a balance', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  it('M simultaneous adds through the API: exactly floor(balance/charge) accepted, the rest refused, balance exact', async () => {
    const t = ctx();
    const rate = '1.2345';
    const quantity = 1000;
    const charge = chargeOf(rate, quantity); // 1.2345
    const initial = parseAmount('10')!;
    const user = await seedUser(t.db.db, '10');
    const service = await seedService(t.db.db, { rate, min: 10, max: 10000 });
    const M = 40;
    const answers = await Promise.all(
      Array.from({ length: M }, () =>
        callApi(app, {
          key: user.apiKey,
          action: 'add',
          service,
          link: 'https://instagram.com/p/race',
          quantity,
        }),
      ),
    );
    const N = Number(initial / charge);
    expect(N).toBe(8);
    for (const a of answers) expect(a.statusCode).toBe(200);
    const accepted = answers.filter((a) => typeof a.body.order === 'number');
    const refused = answers.filter((a) => a.body.error !== undefined);
    expect(accepted.length).toBe(N);
    expect(refused.length).toBe(M - N);
    for (const r of refused) expect(r.body).toEqual(NOT_ENOUGH);
    expect(new Set(accepted.map((a) => a.body.order)).size).toBe(N);
    expect(await balanceUnits(t, user.id)).toBe(initial - BigInt(N) * charge);
    const bal = await callApi(app, { key: user.apiKey, action: 'balance' });
    expect(bal.body).toEqual({ balance: '0.124', currency: 'USD' });
    // A refused order leaves nothing behind.
    expect(await orderCount(t, user.id)).toBe(N);
    await expectBooksBalanced(t);
  });

  it('a balance that covers exactly N orders ends at 0.00 after M simultaneous adds', async () => {
    const t = ctx();
    const rate = '0.7300';
    const quantity = 1234; // 0.90082 each
    const N = 7;
    const charge = chargeOf(rate, quantity);
    const user = await seedUser(t.db.db, formatAmount(charge * BigInt(N)));
    const service = await seedService(t.db.db, { rate, min: 100, max: 10000 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        callApi(
          app,
          { key: user.apiKey, action: 'add', service, link: `https://instagram.com/p/${i}`, quantity },
          (['form', 'json', 'get'] as const)[i % 3],
        ),
      ),
    );
    expect(answers.filter((a) => typeof a.body.order === 'number').length).toBe(N);
    expect(answers.filter((a) => a.body.error === NOT_ENOUGH.error).length).toBe(30 - N);
    expect(await balanceUnits(t, user.id)).toBe(0n);
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('0.00');
    await expectBooksBalanced(t);
  });

  it('simultaneous adds over real HTTP connections (server on a real port) never overdraw', async () => {
    const t = ctx();
    // On Postgres: three servers, each with its own connection pool on the same database.
    const extraDbs: Db[] = [];
    const apps: FastifyInstance[] = [];
    try {
      const count = t.dialect === 'postgres' ? 3 : 1;
      for (let i = 0; i < count; i++) {
        const db = t.dialect === 'postgres' ? await openDatabase(t.url, { poolSize: 8 }) : t.db;
        if (db !== t.db) extraDbs.push(db);
        apps.push(await buildServer({ db: db.db, logLevel: 'silent', rateLimitPerMinute: 1_000_000 }));
      }
      const urls = await Promise.all(apps.map(listen));
      const rate = '3.3333';
      const quantity = 300; // 0.99999 each
      const charge = chargeOf(rate, quantity);
      const user = await seedUser(t.db.db, '25');
      const service = await seedService(t.db.db, { rate, min: 10, max: 10000 });
      const M = 60;
      const answers = await Promise.all(
        Array.from({ length: M }, (_, i) =>
          postForm(urls[i % urls.length]!, {
            key: user.apiKey,
            action: 'add',
            service,
            link: 'https://t.me/x',
            quantity,
          }),
        ),
      );
      const N = Number(parseAmount('25')! / charge);
      expect(N).toBe(25);
      for (const a of answers) expect(a.status).toBe(200);
      const bodies = answers.map((a) => a.body as { order?: number; error?: string });
      expect(bodies.filter((b) => typeof b.order === 'number').length).toBe(N);
      expect(bodies.filter((b) => b.error === NOT_ENOUGH.error).length).toBe(M - N);
      expect(await balanceUnits(t, user.id)).toBe(parseAmount('25')! - BigInt(N) * charge);
      expect(formatAmount(await balanceUnits(t, user.id))).toBe('0.00025');
      expect(await orderCount(t, user.id)).toBe(N);
      await expectBooksBalanced(t);
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      await Promise.all(extraDbs.map((d) => d.close()));
    }
  });

  it('Postgres: placeOrder from several separate connection pools at once never overdraws', async (testCtx) => {
    const t = ctx();
    if (t.dialect !== 'postgres') return testCtx.skip();
    const pools = await Promise.all(Array.from({ length: 4 }, () => openDatabase(t.url, { poolSize: 10 })));
    try {
      const rate = '2';
      const quantity = 500; // 1.00 each
      const user = await seedUser(t.db.db, '33.5');
      const service = await seedService(t.db.db, { rate, min: 10, max: 10000 });
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          placeOrder({
            db: pools[i % pools.length]!.db,
            userId: user.id,
            serviceId: String(service),
            params: simpleParams({ link: 'https://x.test/a', quantity: String(quantity) }),
          }),
        ),
      );
      expect(results.filter((r) => r.ok).length).toBe(33);
      expect(results.filter((r) => !r.ok && r.failure.code === 'insufficient_funds').length).toBe(120 - 33);
      expect(formatAmount(await balanceUnits(t, user.id))).toBe('0.50');
      expect(await orderCount(t, user.id)).toBe(33);
      await expectBooksBalanced(t);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});

describeEachDb('an order is settled exactly once under concurrency', (ctx) => {
  it('many simultaneous Canceled/Partial settlements of one order: one succeeds, one refund, books balanced', async () => {
    const t = ctx();
    const extra =
      t.dialect === 'postgres'
        ? await Promise.all([1, 2, 3].map(() => openDatabase(t.url, { poolSize: 6 })))
        : [];
    const executors = [t.db.db, ...extra.map((d) => d.db)];
    try {
      const rate = '1.5';
      const quantity = 2000; // 3.00
      const user = await seedUser(t.db.db, '15');
      const service = await seedService(t.db.db, { rate, min: 10, max: 10000 });
      for (let round = 0; round < 5; round++) {
        const placed = await placeOrder({
          db: t.db.db,
          userId: user.id,
          serviceId: String(service),
          params: simpleParams({ link: 'https://x.test/s', quantity: String(quantity) }),
        });
        if (!placed.ok) throw new Error(`order refused: ${placed.failure.code}`);
        const orderId = placed.value.orderId;
        const before = await balanceUnits(t, user.id);
        const K = 24;
        const changes = Array.from({ length: K }, (_, i) =>
          i % 2 === 0
            ? ({ status: 'canceled' } as const)
            : ({ status: 'partial', remains: BigInt(50 * i) } as const),
        );
        const results = await Promise.all(
          changes.map((change, i) =>
            changeOrderStatus({ db: executors[i % executors.length]!, orderId, change }),
          ),
        );
        const winners = results.flatMap((r, i) => (r.ok ? [{ r, change: changes[i]! }] : []));
        expect(winners.length).toBe(1);
        for (const r of results) if (!r.ok) expect(r.failure.code).toBe('conflict');
        const { r, change } = winners[0]!;
        const expectedRefund =
          change.status === 'canceled' ? chargeOf(rate, quantity) : chargeOf(rate, Number(change.remains));
        expect(r.ok && r.value.refundUnits).toBe(expectedRefund);
        expect(r.ok && r.value.order.status).toBe(change.status);
        expect(await balanceUnits(t, user.id)).toBe(before + expectedRefund);
        const refunds = await t.db.db
          .selectFrom('ledger_entries')
          .select('amount_units')
          .where('order_id', '=', orderId)
          .where('kind', '=', 'order_refund')
          .execute();
        expect(refunds.map((e) => toUnits(e.amount_units))).toEqual([expectedRefund]);
        // And the terminal status never moves again.
        const again = await changeOrderStatus({ db: t.db.db, orderId, change: { status: 'completed' } });
        expect(again.ok).toBe(false);
        expect(await balanceUnits(t, user.id)).toBe(before + expectedRefund);
      }
      await expectBooksBalanced(t);
    } finally {
      await Promise.all(extra.map((d) => d.close()));
    }
  });

  it('simultaneous Completed and Canceled of one order: either all is kept or all is refunded, never both', async () => {
    const t = ctx();
    const extra =
      t.dialect === 'postgres'
        ? await Promise.all([1, 2].map(() => openDatabase(t.url, { poolSize: 6 })))
        : [];
    const executors = [t.db.db, ...extra.map((d) => d.db)];
    try {
      const user = await seedUser(t.db.db, '100');
      const service = await seedService(t.db.db, { rate: '10', min: 10, max: 10000 });
      for (let round = 0; round < 5; round++) {
        const placed = await placeOrder({
          db: t.db.db,
          userId: user.id,
          serviceId: String(service),
          params: simpleParams({ link: 'https://x.test/c', quantity: '1000' }),
        });
        if (!placed.ok) throw new Error('order refused');
        const before = await balanceUnits(t, user.id);
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            changeOrderStatus({
              db: executors[i % executors.length]!,
              orderId: placed.value.orderId,
              change: { status: i % 2 === 0 ? 'completed' : 'canceled' },
            }),
          ),
        );
        const ok = results.filter((r) => r.ok);
        expect(ok.length).toBe(1);
        const won = ok[0]!;
        const refund = won.ok && won.value.order.status === 'canceled' ? parseAmount('10')! : 0n;
        expect(await balanceUnits(t, user.id)).toBe(before + refund);
      }
      await expectBooksBalanced(t);
    } finally {
      await Promise.all(extra.map((d) => d.close()));
    }
  });
});

describeEachDb('concurrent refill requests for one order create exactly one open refill', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  async function completedRefillableOrder(
    t: TestDb,
  ): Promise<{ apiKey: string; userId: number; orderId: number }> {
    const user = await seedUser(t.db.db, '10');
    const service = await seedService(t.db.db, { rate: '1', refill: true, min: 10, max: 10000 });
    const add = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://x.test/r',
      quantity: 100,
    });
    const orderId = add.body.order as number;
    const done = await changeOrderStatus({ db: t.db.db, orderId, change: { status: 'completed' } });
    expect(done.ok).toBe(true);
    return { apiKey: user.apiKey, userId: user.id, orderId };
  }

  async function openRefills(t: TestDb, orderId: number): Promise<number[]> {
    const rows = await t.db.db
      .selectFrom('refills')
      .select('id')
      .where('order_id', '=', orderId)
      .where('status', 'in', ['pending', 'in_progress'])
      .execute();
    return rows.map((r) => Number(r.id));
  }

  it('through the API: one answer carries the refill id, every other says a refill is already requested', async () => {
    const t = ctx();
    const { apiKey, orderId } = await completedRefillableOrder(t);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        i % 2 === 0
          ? callApi(app, { key: apiKey, action: 'refill', order: orderId })
          : callApi(app, { key: apiKey, action: 'refill', orders: String(orderId) }),
      ),
    );
    const open = await openRefills(t, orderId);
    expect(open.length).toBe(1);
    const refillId = open[0]!;
    const single = answers.filter((_, i) => i % 2 === 0).map((a) => a.body);
    const multi = answers.filter((_, i) => i % 2 === 1).map((a) => a.body);
    const wins = [
      ...single.filter((b) => b.refill === String(refillId)),
      ...multi.filter((b) => Array.isArray(b) && b[0]?.refill === refillId),
    ];
    expect(wins.length).toBe(1);
    for (const b of single) {
      if (b.refill !== String(refillId))
        expect(b).toEqual({ error: 'Refill already requested for this order' });
      else
        expect(b).toEqual({
          order: String(orderId),
          refill: String(refillId),
          message: 'Your refill request has been received, please wait.',
        });
    }
    for (const b of multi) {
      if (b[0]?.refill !== refillId) {
        expect(b).toEqual([
          {
            order: orderId,
            refill: { error: 'Refill already requested for this order' },
            message: 'Refill already requested for this order',
          },
        ]);
      }
    }
  });

  it('through separate connections: createRefill racing from several pools still yields one open refill', async () => {
    const t = ctx();
    const extra =
      t.dialect === 'postgres'
        ? await Promise.all([1, 2, 3].map(() => openDatabase(t.url, { poolSize: 8 })))
        : [];
    const executors = [t.db.db, ...extra.map((d) => d.db)];
    try {
      for (let round = 0; round < 3; round++) {
        const { userId, orderId } = await completedRefillableOrder(t);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            createRefill({ db: executors[i % executors.length]!, userId, orderId }),
          ),
        );
        expect(results.filter((r) => r.ok).length).toBe(1);
        expect(results.filter((r) => !r.ok && r.failure.code === 'refill_open').length).toBe(29);
        expect((await openRefills(t, orderId)).length).toBe(1);
      }
    } finally {
      await Promise.all(extra.map((d) => d.close()));
    }
  });
});

/** Request parameters for use cases called directly, as the HTTP layer would decode them. */
function simpleParams(values: Record<string, string>) {
  return {
    get: (name: string) => values[name],
    isMalformed: () => false,
  };
}

// Guards against a typo in the rate helpers above silently making every expectation trivially true.
it('the test reference for charges agrees with money.ts on a known value', () => {
  expect(chargeOf('1.2345', 1000)).toBe((parseRate('1.2345')! * 1000n) / 1000n);
  expect(formatAmount(chargeOf('0.73', 1234))).toBe('0.90082');
});
