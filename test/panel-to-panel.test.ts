/**
 * A panel of ours can be the provider of another panel of ours (child panels), with real processes on
 * 127.0.0.1, each panel with its own SQLite database and its embedded worker:
 *
 * - wholesale panel A sells a manual service (fulfilled by hand) to a reseller who holds funds there;
 * - reseller panel B adds A as a provider with the reseller's key (`providers add`), imports A's
 *   services with a markup (`services import`), and B's customer orders through B's API v2;
 * - the order flows to A, A's operator moves it by hand (`orders set`), B's worker follows it, and both
 *   ledgers settle exactly: on B the customer gets remains × B_rate / 1000 back, on A the reseller gets
 *   remains × A_rate / 1000 back; `ledger check` is clean on both.
 *
 * The second case runs the whole chain without hands: B -> A -> `smm-panel simulate` (a third process),
 * and every order ends with the same status and remains at all three, settled exactly on both panels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../src/db/connect.js';
import { formatAmount, parseRate, SCALE, toUnits } from '../src/money.js';
import { freshDatabase, pgEnabled, type TestDb } from './helpers/db.js';
import {
  assertBuilt,
  type Child,
  cliJson,
  killAllChildren,
  runCli,
  spawnCli,
  waitUntil,
} from './helpers/processes.js';

type Fresh = TestDb & { cleanup(): Promise<void> };

const PANEL_ENV = {
  WORKER_HTTP_TIMEOUT_MS: '2000',
  WORKER_STALE_SENDING_MS: '5000',
  WORKER_SYNC_BASE_MS: '200',
  WORKER_SYNC_MAX_MS: '800',
  WORKER_RETRY_BASE_MS: '200',
  WORKER_IDLE_MS: '50',
  RATE_LIMIT_PER_MINUTE: '1000000',
  LOG_LEVEL: 'info',
};

const rate = (text: string) => parseRate(text) as bigint;
/** remains × rate / 1000, exact for rates of at most 4 decimals (a multiple of 1000 units). */
const refundOf = (remains: bigint, rateUnits: bigint) => {
  expect(rateUnits % 1000n).toBe(0n);
  return (remains * rateUnits) / 1000n;
};

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
async function api(base: string, params: Record<string, string | number>): Promise<any> {
  const res = await fetch(`${base}/api/v2`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString(),
  });
  return res.json();
}

async function startServe(name: string, tdb: TestDb): Promise<{ child: Child; base: string }> {
  const child = spawnCli(name, ['serve', '--port', '0'], { DATABASE_URL: tdb.url, ...PANEL_ENV });
  const [, base] = await child.waitForLine(
    /running on \w+ at (http:\/\/\S+) \(with the fulfilment worker\)/,
    20_000,
  );
  return { child, base: base as string };
}

async function expectCleanStop(children: Child[]): Promise<void> {
  for (const c of children) {
    const exit = await c.stop(10_000);
    expect(exit, `${c.name}:\n${c.lines.slice(-20).join('\n')}`).toEqual({ code: 0, signal: null });
  }
}

afterAll(async () => {
  await killAllChildren();
});

describe('a panel of ours can be the provider of another panel of ours', () => {
  let dbA: Fresh | undefined;
  let dbB: Fresh | undefined;
  beforeAll(() => assertBuilt());
  afterAll(async () => {
    await killAllChildren();
    await dbA?.cleanup();
    await dbB?.cleanup();
  });

  const manualFlow = async (dialectA: DialectName, dialectB: DialectName) => {
    await dbA?.cleanup();
    await dbB?.cleanup();
    dbA = await freshDatabase(dialectA);
    dbB = await freshDatabase(dialectB);
    const envA = { DATABASE_URL: dbA.url };
    const envB = { DATABASE_URL: dbB.url };
    const a = await startServe('panel-A', dbA);
    const b = await startServe('panel-B', dbB);

    // Panel A: a manual service and a reseller with funds.
    const rateA = rate('2.3456');
    const svcA = await cliJson(
      [
        'services',
        'create',
        '--name',
        'Wholesale followers',
        '--category',
        'Wholesale',
        '--rate',
        '2.3456',
        '--min',
        '10',
        '--max',
        '100000',
      ],
      envA,
    );
    const reseller = await cliJson(['users', 'create', '--username', 'reseller_b', '--balance', '100'], envA);

    // Panel B: A as its provider, A's services imported with 25% markup, a customer with funds.
    const provider = await cliJson(
      ['providers', 'add', '--name', 'panel-a', '--url', `${a.base}/api/v2`, '--key', reseller.apiKey],
      envB,
    );
    const imported = await cliJson(
      ['services', 'import', '--provider', String(provider.id), '--markup', '25'],
      envB,
    );
    expect(imported.created).toHaveLength(1);
    const svcB = imported.created[0] as number;
    const rateB = rate('2.932'); // 2.3456 × 1.25
    const listed = (await cliJson(['services', 'list'], envB)).services.find(
      (s: { id: number }) => s.id === svcB,
    );
    expect(listed).toMatchObject({ rate: '2.932', min: '10', max: '100000' });
    const customer = await cliJson(['users', 'create', '--username', 'customer_b', '--balance', '50'], envB);

    // The customer orders through B's API v2.
    const link = 'https://instagram.com/panel_to_panel_manual';
    const placed = await api(b.base, {
      key: customer.apiKey,
      action: 'add',
      service: svcB,
      link,
      quantity: 1000,
    });
    expect(placed).toEqual({ order: expect.any(Number) });
    const orderB = placed.order as number;
    const chargeB = (rateB * 1000n) / 1000n;
    const chargeA = (rateA * 1000n) / 1000n;

    // It appears on A, as the reseller's order of A's manual service, and B follows it.
    const onA = await waitUntil(
      'the order on panel A',
      () => dbA?.db.db.selectFrom('orders').selectAll().where('link', '=', link).executeTakeFirst(),
      20_000,
    );
    expect(Number(onA.user_id)).toBe(reseller.id);
    expect(Number(onA.service_id)).toBe(svcA.id);
    expect(onA.dispatch_state).toBe('manual');
    expect(toUnits(onA.charge_units)).toBe(chargeA);
    const orderA = Number(onA.id);
    const listedOnA = (await cliJson(['orders', 'list', '--username', 'reseller_b'], envA)).orders;
    expect(listedOnA.map((o: { id: number }) => o.id)).toEqual([orderA]);
    await waitUntil(
      'B to record the upstream order',
      async () => {
        const r = await dbB?.db.db
          .selectFrom('orders')
          .selectAll()
          .where('id', '=', orderB)
          .executeTakeFirst();
        return r?.dispatch_state === 'sent' && r.provider_order_id === String(orderA);
      },
      20_000,
    );

    // A's operator starts it by hand; B's customer sees it move.
    await cliJson(
      ['orders', 'set', '--order', String(orderA), '--status', 'In progress', '--start-count', '500'],
      envA,
    );
    await waitUntil(
      'In progress on B',
      async () => {
        const st = await api(b.base, { key: customer.apiKey, action: 'status', order: orderB });
        return st.status === 'In progress' && st.start_count === '500' ? st : undefined;
      },
      20_000,
    );

    // A's operator ends it Partial with 333 undelivered.
    const remains = 333n;
    const setA = await cliJson(
      ['orders', 'set', '--order', String(orderA), '--status', 'Partial', '--remains', String(remains)],
      envA,
    );
    const refundA = refundOf(remains, rateA);
    expect(setA).toMatchObject({ status: 'Partial', remains: '333', refund: formatAmount(refundA) });
    const refundB = refundOf(remains, rateB);
    const statusB = await waitUntil(
      'Partial on B',
      async () => {
        const st = await api(b.base, { key: customer.apiKey, action: 'status', order: orderB });
        return st.status === 'Partial' ? st : undefined;
      },
      20_000,
    );
    expect(statusB).toEqual({
      charge: formatAmount(chargeB - refundB),
      start_count: '500',
      status: 'Partial',
      remains: '333',
      currency: 'USD',
    });

    // Exact on both sides: 50 - 2.932 + 0.976356 on B, 100 - 2.3456 + 0.7810848 on A.
    expect(formatAmount(refundB)).toBe('0.976356');
    expect(formatAmount(refundA)).toBe('0.7810848');
    expect(await api(b.base, { key: customer.apiKey, action: 'balance' })).toEqual({
      balance: '48.044356',
      currency: 'USD',
    });
    expect(await api(a.base, { key: reseller.apiKey, action: 'balance' })).toEqual({
      balance: '98.4354848',
      currency: 'USD',
    });
    expect(await cliJson(['providers', 'balance', '--provider', String(provider.id)], envB)).toMatchObject({
      balance: '98.4354848',
    });
    // B recorded what A charged it (its cost), after A's refund.
    const rowB = await dbB.db.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', orderB)
      .executeTakeFirstOrThrow();
    expect(toUnits(rowB.provider_charge_units)).toBe(chargeA - refundA);
    expect(toUnits(rowB.refunded_units)).toBe(refundB);
    const rowA = await dbA.db.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', orderA)
      .executeTakeFirstOrThrow();
    expect(toUnits(rowA.refunded_units)).toBe(refundA);
    expect(await cliJson(['ledger', 'check'], envA)).toMatchObject({ ok: true, problems: [] });
    expect(await cliJson(['ledger', 'check'], envB)).toMatchObject({ ok: true, problems: [] });

    // A terminal status stays: a later hand move on A is refused, and B does not change.
    const again = await runCli(
      ['--json', 'orders', 'set', '--order', String(orderA), '--status', 'Completed'],
      envA,
    );
    expect(again.code).toBe(1);
    expect(again.json().error).toMatch(/partial/i);
    expect((await api(a.base, { key: reseller.apiKey, action: 'status', order: orderA })).status).toBe(
      'Partial',
    );

    await expectCleanStop([b.child, a.child]);
  };

  it(
    'B customer -> B -> A (manual service, moved by hand on A): both ledgers settle exactly [SQLite, SQLite]',
    () => manualFlow('sqlite', 'sqlite'),
    80_000,
  );
  it.skipIf(!pgEnabled())(
    'B customer -> B -> A (manual service, moved by hand on A): both ledgers settle exactly [A on Postgres, B on SQLite]',
    () => manualFlow('postgres', 'sqlite'),
    80_000,
  );

  it('B -> A -> simulated provider, without hands: same status and remains at all three, both ledgers exact', async () => {
    const dbA2 = await freshDatabase('sqlite');
    const dbB2 = await freshDatabase('sqlite');
    try {
      const envA = { DATABASE_URL: dbA2.url };
      const envB = { DATABASE_URL: dbB2.url };
      // Seed 2 makes two of the first eight simulated orders end Partial and one Canceled.
      const sim = spawnCli(
        'simulator',
        ['simulate', '--port', '0', '--seed', '2', '--speed', '10', '--key', 'sim-key'],
        {
          LOG_LEVEL: 'warn',
        },
      );
      const [, simUrl] = await sim.waitForLine(/simulated provider at (http:\/\/\S+)/, 20_000);
      const a = await startServe('panel-A', dbA2);
      const b = await startServe('panel-B', dbB2);

      // A: the simulator as its provider (markup 10%), a reseller with funds.
      const simProvider = await cliJson(
        ['providers', 'add', '--name', 'simulator', '--url', simUrl as string, '--key', 'sim-key'],
        envA,
      );
      const importedA = await cliJson(
        ['services', 'import', '--provider', String(simProvider.id), '--markup', '10', '--ids', '1,2'],
        envA,
      );
      expect(importedA.created).toHaveLength(2);
      const reseller = await cliJson(
        ['users', 'create', '--username', 'reseller_b', '--balance', '100'],
        envA,
      );

      // B: A as its provider (markup 20%), a customer.
      const provider = await cliJson(
        ['providers', 'add', '--name', 'panel-a', '--url', `${a.base}/api/v2`, '--key', reseller.apiKey],
        envB,
      );
      const importedB = await cliJson(
        ['services', 'import', '--provider', String(provider.id), '--markup', '20'],
        envB,
      );
      expect(importedB.created).toHaveLength(2);
      const servicesB = (await cliJson(['services', 'list'], envB)).services as {
        id: number;
        rate: string;
      }[];
      // 0.90 -> 0.99 -> 1.188 and 0.25 -> 0.275 -> 0.33
      expect(servicesB.map((s) => s.rate).sort()).toEqual(['0.33', '1.188']);
      const customer = await cliJson(
        ['users', 'create', '--username', 'customer_b', '--balance', '50'],
        envB,
      );

      const N = 8;
      const placed: { id: number; link: string }[] = [];
      for (let i = 0; i < N; i++) {
        const service = servicesB[i % 2] as { id: number };
        const link = `https://instagram.com/p/chain_${i}`;
        const r = await api(b.base, {
          key: customer.apiKey,
          action: 'add',
          service: service.id,
          link,
          quantity: 100 + 37 * i,
        });
        expect(r).toEqual({ order: expect.any(Number) });
        placed.push({ id: r.order, link });
      }

      // Until every order has ended on B.
      const ids = placed.map((p) => p.id).join(',');
      const finalB = await waitUntil(
        'every order terminal on B',
        async () => {
          const st = await api(b.base, { key: customer.apiKey, action: 'status', orders: ids });
          return Object.values(st).every((s) =>
            ['Completed', 'Partial', 'Canceled'].includes((s as { status: string }).status),
          )
            ? (st as Record<string, { status: string; remains: string; start_count: string; charge: string }>)
            : undefined;
        },
        50_000,
        250,
      ).catch(async (err) => {
        const rows = await dbB2.db.db
          .selectFrom('orders')
          .select(['id', 'status', 'dispatch_state', 'last_error'])
          .execute();
        throw new Error(
          `${(err as Error).message}: ${JSON.stringify(rows)}\n${b.child.lines.slice(-10).join('\n')}`,
        );
      });

      // The simulator received exactly one add per order.
      const stats = (await (await fetch(`${new URL(simUrl as string).origin}/sim/stats`)).json()) as {
        adds: number;
        byLink: Record<string, number>;
      };
      expect(stats.adds).toBe(N);
      expect(Object.values(stats.byLink)).toEqual(Array(N).fill(1));

      const mix: Record<string, number> = {};
      let keptB = 0n;
      let keptA = 0n;
      for (const p of placed) {
        const rowB = await dbB2.db.db
          .selectFrom('orders')
          .selectAll()
          .where('id', '=', p.id)
          .executeTakeFirstOrThrow();
        const rowA = await dbA2.db.db
          .selectFrom('orders')
          .selectAll()
          .where('id', '=', Number(rowB.provider_order_id))
          .executeTakeFirstOrThrow();
        expect(rowA.link).toBe(p.link);
        expect(Number(rowA.user_id)).toBe(reseller.id);
        const simStatus = await api(new URL(simUrl as string).origin, {
          key: 'sim-key',
          action: 'status',
          order: String(rowA.provider_order_id),
        });
        const b1 = finalB[String(p.id)];
        mix[simStatus.status] = (mix[simStatus.status] ?? 0) + 1;
        // The same outcome at all three.
        expect([b1?.status, b1?.remains, b1?.start_count]).toEqual([
          simStatus.status,
          simStatus.remains,
          simStatus.start_count,
        ]);
        expect([rowA.status, String(rowA.remains)]).toEqual([rowB.status, String(rowB.remains)]);
        // Settled exactly on both panels, each at its own rate.
        for (const [row, isB] of [
          [rowB, true],
          [rowA, false],
        ] as const) {
          const charge = toUnits(row.charge_units);
          const rateUnits = toUnits(row.rate_units);
          expect(charge).toBe((rateUnits * BigInt(row.quantity)) / 1000n);
          const expected =
            row.status === 'completed'
              ? 0n
              : row.status === 'partial'
                ? refundOf(toUnits(row.remains), rateUnits)
                : charge;
          expect(toUnits(row.refunded_units), `${isB ? 'B' : 'A'} order ${row.id} ${row.status}`).toBe(
            expected,
          );
          if (isB) keptB += charge - expected;
          else keptA += charge - expected;
        }
      }
      // The seed gives a mix of outcomes, so partial and full refunds both happened.
      expect(mix.Partial ?? 0).toBeGreaterThan(0);
      expect(mix.Canceled ?? 0).toBeGreaterThan(0);

      const balanceB = await api(b.base, { key: customer.apiKey, action: 'balance' });
      expect(balanceB.balance).toBe(formatAmount(50n * SCALE - keptB));
      const balanceA = await api(a.base, { key: reseller.apiKey, action: 'balance' });
      expect(balanceA.balance).toBe(formatAmount(100n * SCALE - keptA));
      expect(await cliJson(['ledger', 'check'], envA)).toMatchObject({ ok: true, problems: [] });
      expect(await cliJson(['ledger', 'check'], envB)).toMatchObject({ ok: true, problems: [] });
      console.log(`[panel-to-panel] simulated chain outcomes ${JSON.stringify(mix)}`);

      await expectCleanStop([b.child, a.child, sim]);
    } finally {
      await killAllChildren();
      await dbA2.cleanup();
      await dbB2.cleanup();
    }
  }, 80_000);
});
