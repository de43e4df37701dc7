/**
 * No lost and no duplicated upstream orders, on SQLite and on Postgres.
 *
 * A recording upstream panel (a real HTTP server on 127.0.0.1, answering after a random 0-50 ms so
 * kills land mid-request) counts every `add` by link. N orders are placed through the API; then the
 * real worker process (`smm-panel worker`) is started and SIGKILLed after a random 50-400 ms, many
 * times (seeded), while it dispatches and syncs. Between kills, and at the end, the test plays the
 * operator on the review list (`smm-panel orders review`): an order whose link the upstream has seen is
 * resolved `--sent` with that upstream id, any other `--not-sent`. A last worker finishes everything.
 *
 * Then: every order has exactly one upstream add (never two, never none), follows that upstream order,
 * ended in the upstream's final status and is settled exactly; `ledger check` is clean.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import { main } from '../src/cli/main.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { parseAmount, toUnits } from '../src/money.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  assertBuilt,
  type Child,
  cliJson,
  killAllChildren,
  partialRemains,
  type RecordingUpstream,
  seededRandom,
  sleep,
  spawnCli,
  startRecordingUpstream,
  waitUntil,
} from './helpers/processes.js';

const N_ORDERS = Number(process.env.KILL_TEST_ORDERS ?? 200);
const KILLS = Number(process.env.KILL_TEST_KILLS ?? 16);
const SEED = Number(process.env.KILL_TEST_SEED ?? 20_240_611);

const WORKER_ENV = {
  WORKER_HTTP_TIMEOUT_MS: '1000',
  WORKER_STALE_SENDING_MS: '2500',
  WORKER_SYNC_BASE_MS: '200',
  WORKER_SYNC_MAX_MS: '1000',
  WORKER_RETRY_BASE_MS: '200',
  WORKER_IDLE_MS: '50',
  LOG_LEVEL: 'info',
};

/** The operator CLI in-process (the same code as the binary, without a process start per call). */
async function operator(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--json', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env });
  const text = out.join('\n');
  if (code !== 0) throw new Error(`smm-panel ${args.join(' ')} failed (${code}): ${text} ${err.join(' ')}`);
  return JSON.parse(text);
}

afterAll(async () => {
  await killAllChildren();
});

describeEachDb('no lost and no duplicated upstream orders when the worker is SIGKILLed', (ctx) => {
  let app: FastifyInstance;
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    assertBuilt();
    upstream = await startRecordingUpstream({ maxDelayMs: 50, progressMs: 600, seed: SEED });
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await killAllChildren();
    await app?.close();
    await upstream?.close();
  });

  it(`${N_ORDERS} orders, ${KILLS} random SIGKILLs of the worker process: exactly one upstream add per order, every order settled, ledger clean`, async () => {
    const { db, url, dialect } = ctx();
    const k = db.db;
    const env = { DATABASE_URL: url };
    const workerEnv = { ...env, ...WORKER_ENV };
    const rnd = seededRandom(SEED + (dialect === 'postgres' ? 1 : 0));
    const started = Date.now();

    // The operator connects the upstream and imports its service with a 25% markup: 0.9876 -> 1.2345.
    const provider = await addProvider({
      db: k,
      actor: SYSTEM,
      name: 'recording',
      url: upstream.url,
      apiKey: upstream.key,
    });
    if (!provider.ok) throw new Error('provider');
    const imported = await importServices({
      db: k,
      actor: SYSTEM,
      providerId: provider.value.id,
      markupPercent: '25',
    });
    if (!imported.ok) throw new Error('import');
    const serviceId = imported.value.created[0];
    const rateUnits = parseAmount('1.2345') as bigint;
    const service = await k
      .selectFrom('services')
      .selectAll()
      .where('id', '=', Number(serviceId))
      .executeTakeFirstOrThrow();
    expect(toUnits(service.rate_units)).toBe(rateUnits);

    const opening = '1000';
    const customer = await seedUser(k, opening);
    const links = new Map<number, string>();
    for (let i = 0; i < N_ORDERS; i++) {
      const link = `https://example.com/${dialect}/kill/${i}`;
      const r = await callApi(app, {
        key: customer.apiKey,
        action: 'add',
        service: Number(serviceId),
        link,
        quantity: 100 + i,
      });
      expect(r.body).toHaveProperty('order');
      links.set(Number(r.body.order), link);
    }

    let resolvedSent = 0;
    let resolvedNotSent = 0;
    const duplicatesSeenByOperator: string[] = [];
    let resolveMs = 0;
    /**
     * The operator's review pass: `orders review` lists the cases; each link is looked up at the
     * upstream and the case resolved accordingly (with the use case behind `orders review --order`,
     * to spare a database open per case).
     */
    const resolveReviews = async () => {
      const t0 = Date.now();
      const { orders } = await operator(env, 'orders', 'review');
      const byLink = upstream.addsByLink();
      for (const o of orders as { id: number; link: string }[]) {
        const found = byLink.get(o.link) ?? [];
        if (found.length > 1) duplicatesSeenByOperator.push(o.link);
        const first = found[0];
        const r = await resolveReview({
          db: k,
          actor: await adminActor(k),
          orderId: o.id,
          resolution: first ? { kind: 'sent', upstreamOrderId: String(first.id) } : { kind: 'not_sent' },
        });
        if (!r.ok) throw new Error(`resolving order ${o.id}: ${JSON.stringify(r.failure)}`);
        if (first) resolvedSent++;
        else resolvedNotSent++;
      }
      resolveMs += Date.now() - t0;
      return orders.length as number;
    };

    const stateCounts = async () => {
      const rows = await k
        .selectFrom('orders')
        .select(['status', 'dispatch_state'])
        .select((eb) => eb.fn.countAll().as('n'))
        .groupBy(['status', 'dispatch_state'])
        .execute();
      return rows.map((r) => `${r.status}/${r.dispatch_state}: ${r.n}`).join(', ');
    };

    // Kill the worker at random points, many times.
    let killedWhileSending = 0;
    const workers: Child[] = [];
    for (let i = 0; i < KILLS; i++) {
      const w = spawnCli(`worker#${i}`, ['worker'], workerEnv);
      workers.push(w);
      await w.waitForLine(/smm-panel worker \S+ running/, 20_000);
      await sleep(50 + Math.floor(rnd() * 351));
      w.signal('SIGKILL');
      const exit = await w.exited;
      // It must have died by our hand, not by itself.
      expect(exit, `worker#${i} output:\n${w.lines.slice(-20).join('\n')}`).toEqual({
        code: null,
        signal: 'SIGKILL',
      });
      const sending = await k
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('dispatch_state', '=', 'sending')
        .executeTakeFirstOrThrow();
      if (Number(sending.n) > 0) killedWhileSending++;
      // Every few crashes the operator works through the review list, as they would in real life.
      if (i % 5 === 4) await resolveReviews();
    }
    const afterKills = await stateCounts();
    const killLoopMs = Date.now() - started;

    // Let workers run to the end; resolve what ends in review; repeat until every order is terminal.
    let finalPasses = 0;
    for (let pass = 0; ; pass++) {
      finalPasses = pass + 1;
      expect(pass, `still not done after ${pass} passes: ${await stateCounts()}`).toBeLessThan(4);
      const w = spawnCli(`final-worker#${pass}`, ['worker'], workerEnv);
      workers.push(w);
      await w.waitForLine(/smm-panel worker \S+ running/, 20_000);
      try {
        await waitUntil(
          'every order terminal or in review',
          async () => {
            const open = await k
              .selectFrom('orders')
              .select((eb) => eb.fn.countAll().as('n'))
              .where((eb) =>
                eb.or([
                  eb('status', 'not in', ['completed', 'partial', 'canceled']),
                  eb('dispatch_state', 'in', ['queued', 'sending']),
                ]),
              )
              .where('dispatch_state', '!=', 'review')
              .executeTakeFirstOrThrow();
            return Number(open.n) === 0;
          },
          45_000,
          200,
        );
      } catch (err) {
        throw new Error(
          `${(err as Error).message}; orders: ${await stateCounts()}\n${w.lines.slice(-20).join('\n')}`,
        );
      }
      // A graceful stop finishes the round in hand and exits 0.
      const exit = await w.stop(10_000);
      expect(exit, w.lines.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
      const reviewed = await resolveReviews();
      if (reviewed === 0) break;
    }

    // The operator's review list is empty, as the real binary reports it.
    expect((await cliJson(['orders', 'review'], env)).orders).toEqual([]);

    // Exactly one upstream add per order, and no add that is not one of our orders.
    const byLink = upstream.addsByLink();
    const duplicated = [...byLink].filter(([, a]) => a.length > 1).map(([l, a]) => `${l} x${a.length}`);
    expect(duplicated, 'links added upstream more than once').toEqual([]);
    expect(duplicatesSeenByOperator).toEqual([]);
    const ourLinks = new Set(links.values());
    expect([...byLink.keys()].filter((l) => !ourLinks.has(l))).toEqual([]);
    const missing = [...links.values()].filter((l) => !byLink.has(l));
    expect(missing, 'orders never added upstream').toEqual([]);
    expect(upstream.adds.length).toBe(N_ORDERS);

    // Every order follows its one upstream order, ended as the upstream says, settled exactly.
    const rows = await k.selectFrom('orders').selectAll().orderBy('id').execute();
    expect(rows.length).toBe(N_ORDERS);
    let kept = 0n;
    const wrong: string[] = [];
    for (const r of rows) {
      const id = Number(r.id);
      const add = byLink.get(links.get(id) ?? '')?.[0];
      const upstreamView = add ? upstream.view(add.id) : null;
      const charge = toUnits(r.charge_units);
      const refunded = toUnits(r.refunded_units);
      const quantity = Number(r.quantity);
      expect(charge).toBe((rateUnits * BigInt(quantity)) / 1000n);
      let expectedStatus = '';
      let expectedRefund = 0n;
      let expectedRemains = 0n;
      if (upstreamView?.status === 'Completed') expectedStatus = 'completed';
      else if (upstreamView?.status === 'Partial') {
        expectedStatus = 'partial';
        expectedRemains = BigInt(partialRemains(quantity));
        expectedRefund = (expectedRemains * rateUnits) / 1000n;
      } else if (upstreamView?.status === 'Canceled') {
        expectedStatus = 'canceled';
        expectedRemains = BigInt(quantity);
        expectedRefund = charge;
      }
      const got = `${r.status} ${r.dispatch_state} upstream=${r.provider_order_id} remains=${r.remains} refunded=${refunded}`;
      const want = `${expectedStatus} sent upstream=${add?.id} remains=${expectedRemains} refunded=${expectedRefund}`;
      if (got !== want) wrong.push(`order ${id}: got ${got}, want ${want}`);
      kept += charge - refunded;
    }
    expect(wrong).toEqual([]);

    // The customer paid exactly what was kept; the books balance.
    const user = await k
      .selectFrom('users')
      .select('balance_units')
      .where('id', '=', customer.id)
      .executeTakeFirstOrThrow();
    expect(toUnits(user.balance_units)).toBe((parseAmount(opening) as bigint) - kept);
    expect((await checkLedger({ db: k })).problems).toEqual([]);
    expect(await cliJson(['ledger', 'check'], env)).toMatchObject({ ok: true, problems: [] });

    // The crash path was exercised: kills left sends unfinished, and the operator had to review them.
    expect(killedWhileSending).toBeGreaterThan(0);
    expect(resolvedSent + resolvedNotSent).toBeGreaterThan(0);
    console.log(
      `[kill-worker ${dialect}] seed ${SEED}: ${KILLS} kills (${killedWhileSending} left sends in flight), ` +
        `review resolved sent=${resolvedSent} not_sent=${resolvedNotSent}, after kills: ${afterKills}, ` +
        `${upstream.adds.length} adds, ${upstream.statusCalls.length} status calls; ` +
        `kill loop ${killLoopMs} ms, operator ${resolveMs} ms, ${finalPasses} final pass(es), total ${Date.now() - started} ms`,
    );
  }, 85_000);
});
