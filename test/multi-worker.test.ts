/**
 * Several worker processes on one database never send the same order twice.
 *
 * Real processes: one API process (`smm-panel serve --no-worker`), several `smm-panel worker`
 * processes, and a recording upstream panel on 127.0.0.1 that counts every `add` by link. Orders are
 * placed over HTTP while the workers run; when every order has ended, each link was added upstream
 * exactly once and each order was logged as sent by exactly one worker process.
 *
 * - Postgres: three workers (skipped, loudly, when Postgres is not reachable);
 * - SQLite, the embedded default: two workers next to the API process on one file;
 * - a slow upstream, where a batch outlives WORKER_STALE_SENDING_MS, on both: a worker whose claim was
 *   declared stale by another worker (the order went to review, and the operator resolved it) must not
 *   send that order any more.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../src/db/connect.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { adminActor } from './helpers/actor.js';
import { freshDatabase, pgEnabled, type TestDb } from './helpers/db.js';
import {
  assertBuilt,
  type Child,
  cliJson,
  killAllChildren,
  type RecordingUpstream,
  type RecordingUpstreamOptions,
  spawnCli,
  startRecordingUpstream,
  waitUntil,
} from './helpers/processes.js';

afterAll(async () => {
  await killAllChildren();
});

interface Scenario {
  dialect: DialectName;
  workers: number;
  orders: number;
  upstream: RecordingUpstreamOptions;
  workerEnv: Record<string, string>;
  /** Play the operator on the review list while the workers run. */
  resolveReviews?: boolean;
  /** Place every order before the workers start (so the first worker claims a whole batch). */
  placeFirst?: boolean;
}

interface Outcome {
  upstream: RecordingUpstream;
  links: Map<number, string>;
  sentBy: Map<number, string[]>;
  perWorker: Record<string, number>;
  reviewResolved: { sent: number; notSent: number };
  errorLines: string[];
  /** Worker log lines about a claim lost before its send (the send was skipped). */
  claimsLost: number;
  ms: number;
}

const FAST = {
  WORKER_HTTP_TIMEOUT_MS: '1000',
  WORKER_STALE_SENDING_MS: '2500',
  WORKER_SYNC_BASE_MS: '200',
  WORKER_SYNC_MAX_MS: '1000',
  WORKER_RETRY_BASE_MS: '200',
  WORKER_IDLE_MS: '50',
};

async function runScenario(tdb: TestDb, s: Scenario): Promise<Outcome> {
  const started = Date.now();
  const env = { DATABASE_URL: tdb.url };
  const k = tdb.db.db;
  const upstream = await startRecordingUpstream(s.upstream);
  const children: Child[] = [];
  try {
    // The operator's setup, with the real binary; on a fresh database it first makes the admin it acts as.
    await cliJson(['users', 'create', '--username', 'operator', '--role', 'admin'], env);
    const provider = await cliJson(
      ['providers', 'add', '--name', 'recording', '--url', upstream.url, '--key', upstream.key],
      env,
    );
    const imported = await cliJson(
      ['services', 'import', '--provider', String(provider.id), '--markup', '25'],
      env,
    );
    const serviceId = imported.created[0];
    const customer = await cliJson(['users', 'create', '--username', 'buyer', '--balance', '5000'], env);

    // The API process alone, and the workers beside it.
    const api = spawnCli('api', ['serve', '--no-worker', '--port', '0'], {
      ...env,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    children.push(api);
    const [, apiUrl] = await api.waitForLine(/running on \w+ at (http:\/\/\S+) \(API only/, 20_000);
    const workers: Child[] = [];
    const startWorkers = async () => {
      for (let i = 0; i < s.workers; i++) {
        const w = spawnCli(`worker${i + 1}`, ['worker'], {
          ...env,
          ...FAST,
          ...s.workerEnv,
          LOG_LEVEL: 'info',
        });
        workers.push(w);
        children.push(w);
      }
      for (const w of workers) await w.waitForLine(/smm-panel worker \S+ running/, 20_000);
    };
    if (!s.placeFirst) await startWorkers();

    // Orders over HTTP, a few requests at a time (while the workers run, unless placeFirst).
    const links = new Map<number, string>();
    let next = 0;
    const post = async () => {
      while (next < s.orders) {
        const i = next++;
        const link = `https://example.com/${s.dialect}/multi/${s.workers}/${i}`;
        const res = await fetch(`${apiUrl}/api/v2`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            key: customer.apiKey,
            action: 'add',
            service: String(serviceId),
            link,
            quantity: String(100 + i),
          }).toString(),
        });
        const body = (await res.json()) as { order?: number; error?: string };
        if (typeof body.order !== 'number') throw new Error(`order ${i} refused: ${JSON.stringify(body)}`);
        links.set(body.order, link);
      }
    };
    await Promise.all(Array.from({ length: 6 }, post));
    if (s.placeFirst) await startWorkers();

    // Until every order has ended (resolving review cases as an operator would, if asked to).
    const reviewResolved = { sent: 0, notSent: 0 };
    await waitUntil(
      'every order terminal',
      async () => {
        if (s.resolveReviews) {
          const review = await k
            .selectFrom('orders')
            .select(['id', 'link'])
            .where('dispatch_state', '=', 'review')
            .execute();
          const byLink = upstream.addsByLink();
          for (const o of review) {
            const found = byLink.get(o.link ?? '')?.[0];
            const r = await resolveReview({
              db: k,
              actor: await adminActor(k),
              orderId: Number(o.id),
              resolution: found ? { kind: 'sent', upstreamOrderId: String(found.id) } : { kind: 'not_sent' },
            });
            if (!r.ok) throw new Error(`resolving review of order ${o.id}: ${JSON.stringify(r.failure)}`);
            if (found) reviewResolved.sent++;
            else reviewResolved.notSent++;
          }
        }
        const open = await k
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', 'not in', ['completed', 'partial', 'canceled'])
          .executeTakeFirstOrThrow();
        return Number(open.n) === 0;
      },
      60_000,
      100,
    ).catch(async (err) => {
      const rows = await k
        .selectFrom('orders')
        .select(['status', 'dispatch_state'])
        .select((eb) => eb.fn.countAll().as('n'))
        .groupBy(['status', 'dispatch_state'])
        .execute();
      throw new Error(
        `${(err as Error).message}: ${JSON.stringify(rows)}\n${workers.map((w) => w.lines.slice(-5).join('\n')).join('\n')}`,
      );
    });

    // Every process stops cleanly on SIGTERM.
    for (const c of [...workers, api]) {
      const exit = await c.stop(10_000);
      expect(exit, `${c.name}:\n${c.lines.slice(-20).join('\n')}`).toEqual({ code: 0, signal: null });
    }

    // Who sent what, from each worker's own log.
    const sentBy = new Map<number, string[]>();
    const perWorker: Record<string, number> = {};
    const errorLines: string[] = [];
    let claimsLost = 0;
    for (const w of workers) {
      perWorker[w.name] = 0;
      for (const line of w.stdoutLines) {
        if (!line.startsWith('{')) continue;
        // pino's levels: 50 is error, 60 fatal.
        const ev = JSON.parse(line) as { msg?: string; order?: number; level?: number };
        if ((ev.level ?? 0) >= 50) errorLines.push(`${w.name}: ${line}`);
        if (ev.msg?.startsWith('claim lost')) claimsLost++;
        if (ev.msg !== 'order sent' || typeof ev.order !== 'number') continue;
        sentBy.set(ev.order, [...(sentBy.get(ev.order) ?? []), w.name]);
        perWorker[w.name] = (perWorker[w.name] ?? 0) + 1;
      }
    }
    return {
      upstream,
      links,
      sentBy,
      perWorker,
      reviewResolved,
      errorLines,
      claimsLost,
      ms: Date.now() - started,
    };
  } finally {
    for (const c of children) c.signal('SIGKILL');
    await upstream.close();
  }
}

/** The guarantee, checked on what the upstream recorded and on the database. */
async function expectOneAddPerOrder(tdb: TestDb, o: Outcome, orders: number): Promise<void> {
  const byLink = o.upstream.addsByLink();
  const duplicated = [...byLink].filter(([, a]) => a.length > 1).map(([l, a]) => `${l} x${a.length}`);
  expect(duplicated, 'links added upstream more than once').toEqual([]);
  expect(o.upstream.adds.length).toBe(orders);
  expect(
    [...o.links.values()].filter((l) => !byLink.has(l)),
    'orders never added upstream',
  ).toEqual([]);
  const rows = await tdb.db.db
    .selectFrom('orders')
    .select(['id', 'provider_order_id', 'dispatch_state', 'status'])
    .execute();
  expect(rows.length).toBe(orders);
  const mismatched = rows.filter((r) => {
    const add = byLink.get(o.links.get(Number(r.id)) ?? '')?.[0];
    return r.dispatch_state !== 'sent' || r.provider_order_id !== String(add?.id);
  });
  expect(mismatched, 'orders not following their one upstream order').toEqual([]);
  expect((await checkLedger({ db: tdb.db.db })).problems).toEqual([]);
  expect(await cliJson(['ledger', 'check'], { DATABASE_URL: tdb.url })).toMatchObject({ ok: true });
}

function report(label: string, o: Outcome): void {
  const busy = Object.values(o.perWorker).filter((n) => n > 0).length;
  console.log(
    `[${label}] sent per worker ${JSON.stringify(o.perWorker)} (${busy} worker(s) did work), ` +
      `review resolved ${JSON.stringify(o.reviewResolved)}, ${o.claimsLost} lost claims not sent, ` +
      `${o.upstream.statusCalls.length} status calls, ${o.ms} ms`,
  );
  if (busy < 2)
    console.warn(`[${label}] only one worker did any work this time (OS scheduling); not a failure`);
}

function suite(dialect: DialectName, workers: number, orders: number) {
  const run = dialect === 'sqlite' || pgEnabled();
  const title =
    dialect === 'postgres'
      ? `${workers} worker processes on one Postgres never send the same order twice`
      : `SQLite: ${workers} worker processes next to the API process on one file never send the same order twice`;
  (run ? describe : describe.skip)(title, () => {
    let tdb: (TestDb & { cleanup(): Promise<void> }) | undefined;
    beforeAll(async () => {
      assertBuilt();
      tdb = await freshDatabase(dialect);
    });
    afterAll(async () => {
      await killAllChildren();
      await tdb?.cleanup();
    });

    it(`${orders} orders placed over HTTP while ${workers} workers run: one upstream add per order, each sent by exactly one worker`, async () => {
      if (!tdb) throw new Error('no database');
      const o = await runScenario(tdb, {
        dialect,
        workers,
        orders,
        upstream: { maxDelayMs: 30, progressMs: 300, seed: 7 },
        // No crashes here: generous timeouts, so a loaded machine cannot turn a slow answer into a review case.
        workerEnv: { WORKER_HTTP_TIMEOUT_MS: '5000', WORKER_STALE_SENDING_MS: '15000' },
      });
      report(`multi-worker ${dialect}`, o);
      const twice = [...o.sentBy].filter(([, by]) => by.length !== 1).map(([id, by]) => `${id}: ${by}`);
      expect(twice, 'orders logged as sent by more than one worker').toEqual([]);
      expect(o.sentBy.size).toBe(orders);
      expect(o.errorLines).toEqual([]);
      await expectOneAddPerOrder(tdb, o, orders);
      // Nothing went to review: without crashes or timeouts every send has a known outcome.
      expect(o.reviewResolved).toEqual({ sent: 0, notSent: 0 });
    }, 80_000);
  });

  (run ? describe : describe.skip)(
    `${dialect}: a worker whose claim was declared stale (order in review, resolved by the operator) never sends it`,
    () => {
      let tdb: (TestDb & { cleanup(): Promise<void> }) | undefined;
      beforeAll(async () => {
        assertBuilt();
        tdb = await freshDatabase(dialect);
      });
      afterAll(async () => {
        await killAllChildren();
        await tdb?.cleanup();
      });

      it('slow upstream (a batch of sends outlives WORKER_STALE_SENDING_MS): still one upstream add per order', async () => {
        if (!tdb) throw new Error('no database');
        // Each add answers after ~700 ms (under the 1000 ms timeout). A worker claims up to 50 orders
        // and sends 10 at a time, so the last of its claims wait ~3 s: longer than the 1.5 s after
        // which another worker declares them stale. The operator resolves review cases at once.
        const o = await runScenario(tdb, {
          dialect,
          workers: 2,
          orders: 60,
          upstream: { maxDelayMs: 20, addDelayMs: 700, progressMs: 200, seed: 11 },
          // Claim 50 but send 10 at a time: the later claims of a batch wait past WORKER_STALE_SENDING_MS.
          workerEnv: { WORKER_STALE_SENDING_MS: '1500', WORKER_DISPATCH_BATCH: '50' },
          resolveReviews: true,
          placeFirst: true,
        });
        report(`stale-claim ${dialect}`, o);
        await expectOneAddPerOrder(tdb, o, 60);
        // The scenario happened: claims were declared stale and the operator resolved them.
        expect(o.reviewResolved.sent + o.reviewResolved.notSent).toBeGreaterThan(0);
      }, 80_000);
    },
  );
}

suite('postgres', 3, 300);
suite('sqlite', 2, 300);
