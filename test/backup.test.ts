/**
 * Backups, restores and moves (src/backup/) on real databases: the restore drill (a backup taken while
 * orders are placed and one is being sent, restored into a fresh database of the same kind, which
 * verifies, serves API v2 and whose engine puts the order that was being sent in review instead of
 * sending it again), the move SQLite -> Postgres -> SQLite row for row, and the refusals, through the
 * use cases and through the CLI (`--json` and for people).
 */

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import { countRows, inReadSnapshot } from '../src/backup/backup.repo.js';
import { createBackup } from '../src/backup/create-backup.js';
import { restoreBackup } from '../src/backup/restore-backup.js';
import { SKIPPED_TABLES, SNAPSHOT_TABLES, TABLE_NAMES } from '../src/backup/snapshot-tables.js';
import { type Db, type DialectName, openDatabase } from '../src/db/connect.js';
import { executedMigrations, knownMigrations } from '../src/db/migrations.js';
import type { Database } from '../src/db/schema.js';
import { heartbeatOf } from '../src/health/heartbeat.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { approvePayment } from '../src/payments/decide-payment.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { runCliInProcess } from './helpers/cli.js';
import { describeEachDb, freshDatabase, pgEnabled } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';
import { createPgDatabase } from './helpers/pg.js';

const dirs: string[] = [];
const tmpDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'smm-backup-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An empty target database of this kind that nothing has migrated (what an operator creates). */
async function emptyTarget(dialect: DialectName): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') return { url: `sqlite:${join(tmpDir(), 'target.db')}`, drop: async () => {} };
  return createPgDatabase();
}

/** Every table's rows sorted by key, every number as a decimal string: two panels compare equal. */
async function dump(db: Kysely<Database>): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of SNAPSHOT_TABLES) {
    // biome-ignore lint/suspicious/noExplicitAny: generic table read
    let q = (db as Kysely<any>).selectFrom(t.name).selectAll();
    for (const k of t.key) q = q.orderBy(k);
    const rows = (await q.execute()) as Record<string, unknown>[];
    out[t.name] = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, typeof v === 'number' || typeof v === 'bigint' ? String(v) : v]),
      ),
    );
  }
  return out;
}

async function count(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

let linkSeq = 0;
const newLink = () => `https://instagram.com/p/bk-${process.pid}-${++linkSeq}`;

interface Seeded {
  app: FastifyInstance;
  upstream: ScriptedUpstream;
  keys: string[];
  manual: number;
  sent: number;
  place(apiKey: string, service?: number): Promise<number>;
  /** `smm-panel orders set` (its own connection, as the operator's CLI would). */
  settle(orderId: number, status: string): Promise<void>;
}

/**
 * A panel with users and funds, a provider with an imported service, manual services allowing refill,
 * cancel and drip-feed, orders completed, partial and canceled, a refill, a cancel request, a drip-feed
 * order, a ticket with a reply, and the audit entries those left.
 */
async function seedPanel(db: Kysely<Database>, url: string): Promise<Seeded> {
  const app = await makeApi(db);
  const upstream = await startScriptedUpstream({ services: [upstreamService(1, { rate: '2.00' })] });
  const p = await addProvider({
    db,
    actor: SYSTEM,
    name: uniqueName('prov'),
    url: upstream.url,
    apiKey: upstream.key,
  });
  if (!p.ok) throw new Error(JSON.stringify(p.failure));
  const imp = await importServices({ db, actor: SYSTEM, providerId: p.value.id, markupPercent: '10' });
  if (!imp.ok) throw new Error(JSON.stringify(imp.failure));
  const sentRow = await db
    .selectFrom('services')
    .select('id')
    .where('provider_id', '=', p.value.id)
    .executeTakeFirstOrThrow();
  const manual = await seedService(db, { rate: '1.2345', refill: true, cancel: true, dripfeed: true });
  const users = [await seedUser(db, '1000'), await seedUser(db, '250.5'), await seedUser(db, '0.0001')];
  const place = async (apiKey: string, service = manual) => {
    const r = await callApi(app, { key: apiKey, action: 'add', service, link: newLink(), quantity: 100 });
    if (typeof r.body.order !== 'number') throw new Error(`add refused: ${r.raw}`);
    return r.body.order as number;
  };
  const cli = async (args: string[]) => {
    const r = await runCliInProcess(url, args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.out.join('\n')} ${r.err.join('\n')}`);
  };
  const [a, b] = users.map((u) => u.apiKey) as [string, string];
  const done = await place(a);
  await cli(['orders', 'set', '--order', String(done), '--status', 'Completed']);
  const refill = await callApi(app, { key: a, action: 'refill', order: done });
  expect(refill.body.refill).toBeDefined();
  const partial = await place(b);
  await cli(['orders', 'set', '--order', String(partial), '--status', 'Partial', '--remains', '40']);
  const canceled = await place(b);
  await cli(['orders', 'set', '--order', String(canceled), '--status', 'Canceled']);
  const toCancel = await place(a);
  const c = await callApi(app, { key: a, action: 'cancel', orders: String(toCancel) });
  expect(c.statusCode).toBe(200);
  const drip = await callApi(app, {
    key: a,
    action: 'add',
    service: manual,
    link: newLink(),
    quantity: 100,
    runs: 3,
    interval: 10,
  });
  expect(typeof drip.body.order).toBe('number');
  const ticket = await openTicket({
    db,
    userId: users[0]?.id as number,
    subject: 'order',
    message: 'Where is my order?\nThanks',
    orderIds: [done],
  });
  if (!ticket.ok) throw new Error(JSON.stringify(ticket.failure));
  await cli(['tickets', 'reply', '--ticket', String(ticket.value.ticketId), '--message', 'On its way']);
  await cli(['settings', 'set', '--currency', 'EUR']);
  const settle = (orderId: number, status: string) =>
    cli(['orders', 'set', '--order', String(orderId), '--status', status]);
  return { app, upstream, keys: users.map((u) => u.apiKey), manual, sent: Number(sentRow.id), place, settle };
}

describe('the snapshot table list', () => {
  it('names every table the migrated database has, in an order whose parents come first', async () => {
    const t = await freshDatabase('sqlite');
    try {
      const tables = (await t.db.db.introspection.getTables())
        .map((x) => x.name)
        .filter((n) => !n.startsWith('kysely_'));
      expect([...TABLE_NAMES, ...SKIPPED_TABLES].sort()).toStrictEqual(tables.sort());
      // Foreign keys point backwards in the list (SQLite reports them per table).
      for (const [i, name] of TABLE_NAMES.entries()) {
        const fks = (await t.db.db.executeQuery({
          sql: `select "table" as parent from pragma_foreign_key_list('${name}')`,
          parameters: [],
          query: { kind: 'SelectQueryNode' },
        } as never)) as { rows: { parent: string }[] };
        for (const fk of fks.rows)
          expect(TABLE_NAMES.indexOf(fk.parent), `${name} -> ${fk.parent}`).toBeLessThan(i);
      }
    } finally {
      await t.cleanup();
    }
  });
});

describeEachDb('restore drill', (t) => {
  let seeded: Seeded;
  const db = () => t().db.db;
  beforeAll(async () => {
    seeded = await seedPanel(db(), t().url);
  });
  afterAll(async () => {
    await seeded.app.close();
    await seeded.upstream.close();
  });

  it('a backup taken while orders are placed and one is being sent restores exactly, verifies and never re-sends', async () => {
    const dir = tmpDir();
    const file = join(dir, 'drill.snapshot.gz');
    const [a, b] = seeded.keys as [string, string];
    const sendingOrder = await seeded.place(a, seeded.sent);
    const placedDuring: number[] = [];
    let backupCounts: Record<string, number> | undefined;
    // The backup runs on its own connection, as `smm-panel backup` would, while the engine's `add` of
    // the provider order is in flight (the order is `sending`) and customers keep placing orders.
    const backupConn: Db = await openDatabase(t().url, { migrate: false });
    seeded.upstream.handlers.add = (params, up) => ({
      before: async () => {
        const placing = (async () => {
          for (let i = 0; i < 6; i++) {
            const id = await seeded.place(i % 2 ? a : b);
            placedDuring.push(id);
            // Settled at once, half of them refunded: a refund is in the snapshot with its order or not at all.
            await seeded.settle(id, i % 2 ? 'Completed' : 'Canceled');
          }
        })();
        const r = await createBackup({ db: backupConn.db, dialect: t().dialect, path: file });
        await placing;
        if (!r.ok) throw new Error(r.failure.code);
        backupCounts = r.value.counts;
      },
      json: { order: up.createOrder(params).id },
    });
    const engine = makeEngine(db(), t().dialect);
    await engine.until(
      async () =>
        (
          await db()
            .selectFrom('orders')
            .select('dispatch_state')
            .where('id', '=', sendingOrder)
            .executeTakeFirstOrThrow()
        ).dispatch_state === 'sent',
      5,
      'the provider order sent',
    );
    delete seeded.upstream.handlers.add;
    await backupConn.close();
    expect(backupCounts).toBeDefined();
    expect(placedDuring).toHaveLength(6);
    const addsBefore = seeded.upstream.callsOf('add').length;

    const target = await freshDatabase(t().dialect);
    try {
      const r = await restoreBackup({ db: target.db.db, dialect: target.dialect, path: file });
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      expect(r.value.problems).toStrictEqual([]);
      expect(r.value.ledgerProblems).toStrictEqual([]);
      expect(r.value.ok).toBe(true);
      const restored = target.db.db;
      for (const [table, n] of Object.entries(backupCounts ?? {})) {
        expect(await count(restored, table as keyof Database), table).toBe(n);
      }
      // Exactly what was committed before the backup's point: a prefix of the orders placed meanwhile.
      const ids = (await restored.selectFrom('orders').select('id').orderBy('id').execute()).map((o) =>
        Number(o.id),
      );
      const sourceIds = (await db().selectFrom('orders').select('id').orderBy('id').execute()).map((o) =>
        Number(o.id),
      );
      expect(sourceIds.slice(0, ids.length)).toStrictEqual(ids);
      const missing = sourceIds.slice(ids.length);
      expect(missing.every((id) => placedDuring.includes(id))).toBe(true);
      // Books: clean, every balance is its ledger's sum, every order has its charge, no entry lacks its order.
      expect((await checkLedger({ db: restored })).problems).toStrictEqual([]);
      const orphans = await restored
        .selectFrom('ledger_entries')
        .leftJoin('orders', 'orders.id', 'ledger_entries.order_id')
        .select('ledger_entries.id')
        .where('ledger_entries.order_id', 'is not', null)
        .where('orders.id', 'is', null)
        .execute();
      expect(orphans).toStrictEqual([]);
      const uncharged = await restored
        .selectFrom('orders')
        .leftJoin('ledger_entries', (j) =>
          j.onRef('ledger_entries.order_id', '=', 'orders.id').on('ledger_entries.kind', '=', 'order_charge'),
        )
        .select('orders.id')
        .where('ledger_entries.id', 'is', null)
        .where('orders.parent_order_id', 'is', null)
        .where('orders.charge_units', '>', 0)
        .execute();
      expect(uncharged).toStrictEqual([]);
      // The restored panel serves API v2 with the customers' own keys.
      const app = await makeApi(restored);
      try {
        const bal = await callApi(app, { key: a, action: 'balance' });
        const src = await callApi(seeded.app, { key: a, action: 'balance' });
        expect(bal.statusCode).toBe(200);
        expect(typeof bal.body.balance).toBe('string');
        const st = await callApi(app, { key: a, action: 'status', order: sendingOrder });
        expect(st.statusCode).toBe(200);
        expect(src.statusCode).toBe(200);
        // New orders get new ids (Postgres sequences were set past the restored ids).
        const fresh = await callApi(app, {
          key: b,
          action: 'add',
          service: seeded.manual,
          link: newLink(),
          quantity: 100,
        });
        expect(fresh.body.order).toBeGreaterThan(Math.max(...ids));
      } finally {
        await app.close();
      }
      // The order that was being sent: in review after the engine runs, never sent again.
      const before = await restored
        .selectFrom('orders')
        .select('dispatch_state')
        .where('id', '=', sendingOrder)
        .executeTakeFirstOrThrow();
      expect(before.dispatch_state).toBe('sending');
      const e2 = makeEngine(restored, target.dialect, { staleSendingMs: 1000 });
      e2.advance(60_000);
      await e2.until(
        async () =>
          (
            await restored
              .selectFrom('orders')
              .select('dispatch_state')
              .where('id', '=', sendingOrder)
              .executeTakeFirstOrThrow()
          ).dispatch_state === 'review',
        5,
        'the order in review',
      );
      await e2.rounds(2);
      expect(seeded.upstream.callsOf('add').length).toBe(addsBefore);
    } finally {
      await target.cleanup();
    }
  });

  it("the backup's read transaction sees one point in time while the panel goes on writing", async () => {
    const conn = await openDatabase(t().url, { migrate: false });
    try {
      await inReadSnapshot(conn.db, t().dialect, async (tx) => {
        const orders = await countRows(tx, 'orders');
        const entries = await countRows(tx, 'ledger_entries');
        const id = await seeded.place(seeded.keys[0] as string);
        await seeded.settle(id, 'Canceled');
        expect(await count(db(), 'orders')).toBe(orders + 1);
        expect(await countRows(tx, 'orders')).toBe(orders);
        expect(await countRows(tx, 'ledger_entries')).toBe(entries);
      });
    } finally {
      await conn.close();
    }
  });

  it('refuses a non-empty target, a newer snapshot and a corrupt file, changing nothing', async () => {
    const dir = tmpDir();
    const file = join(dir, 'panel.snapshot.gz');
    const made = await createBackup({ db: db(), dialect: t().dialect, path: file });
    expect(made.ok).toBe(true);
    // Into the panel itself: not empty.
    const before = await dump(db());
    const r1 = await restoreBackup({ db: db(), dialect: t().dialect, path: file });
    expect(r1).toStrictEqual({ ok: false, failure: { code: 'target_not_empty', table: 'settings' } });
    expect(await dump(db())).toStrictEqual(before);

    const target = await emptyTarget(t().dialect);
    const conn = await openDatabase(target.url, { migrate: false });
    try {
      const lines = readFileSync(file);
      const text = (await import('node:zlib')).gunzipSync(lines).toString('utf8').split('\n');
      const header = JSON.parse(text[0] as string);
      header.migrations = [...header.migrations, '9999_from_the_future'];
      const newer = join(dir, 'newer.gz');
      writeFileSync(newer, gzipSync([JSON.stringify(header), ...text.slice(1)].join('\n')));
      expect(await restoreBackup({ db: conn.db, dialect: conn.dialect, path: newer })).toStrictEqual({
        ok: false,
        failure: { code: 'snapshot_too_new', migration: '9999_from_the_future' },
      });
      const cut = join(dir, 'cut.gz');
      writeFileSync(cut, lines.subarray(0, Math.floor(lines.length / 2)));
      const noEnd = join(dir, 'noend.gz');
      writeFileSync(noEnd, gzipSync(text.filter((l) => !l.startsWith('{"end"')).join('\n')));
      const garbage = join(dir, 'garbage.gz');
      writeFileSync(garbage, 'this is not a snapshot');
      const badRow = join(dir, 'badrow.gz');
      writeFileSync(badRow, gzipSync([text[0], '{"t":"nope","r":{}}', ...text.slice(1)].join('\n')));
      const strangeTable = join(dir, 'strange.gz');
      writeFileSync(
        strangeTable,
        gzipSync(
          [
            JSON.stringify({ ...header, migrations: knownMigrations(), tables: [...header.tables, 'nope'] }),
            ...text.slice(1),
          ].join('\n'),
        ),
      );
      for (const f of [cut, noEnd, garbage, badRow, strangeTable, join(dir, 'missing.gz')]) {
        const r = await restoreBackup({ db: conn.db, dialect: conn.dialect, path: f });
        expect(r.ok, f).toBe(false);
        if (!r.ok) expect(r.failure.code, f).toBe('snapshot_unreadable');
      }
      // Nothing happened to the target: not even a migration.
      expect(await executedMigrations(conn.db)).toStrictEqual([]);
      // A row naming a column its table lacks: refused before any row is written.
      const badColumn = join(dir, 'badcolumn.gz');
      writeFileSync(
        badColumn,
        gzipSync(
          text
            .map((l) => (l.startsWith('{"t":"users"') ? l.replace('"username"', '"user name"') : l))
            .join('\n'),
        ),
      );
      const bc = await restoreBackup({ db: conn.db, dialect: conn.dialect, path: badColumn });
      expect(bc.ok).toBe(false);
      if (!bc.ok)
        expect(bc.failure).toMatchObject({
          code: 'snapshot_unreadable',
          reason: 'table users has no column user name',
        });
      for (const table of TABLE_NAMES) expect(await count(conn.db, table as keyof Database), table).toBe(0);
      // And the real file still restores into it.
      const good = await restoreBackup({ db: conn.db, dialect: conn.dialect, path: file });
      expect(good.ok && good.value.ok).toBe(true);
      expect(await executedMigrations(conn.db)).toStrictEqual(knownMigrations());
      expect(await dump(conn.db)).toStrictEqual(await dump(db()));
    } finally {
      await conn.close();
      await target.drop();
    }
  });

  it('a snapshot of an older schema restores on it, then the later migrations run', async () => {
    const dir = tmpDir();
    const file = join(dir, 'panel.snapshot.gz');
    expect((await createBackup({ db: db(), dialect: t().dialect, path: file })).ok).toBe(true);
    const text = (await import('node:zlib')).gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const header = JSON.parse(text[0] as string);
    // Made as if on the schema before 0015_worker_heartbeats (a table the snapshot does not copy) and
    // 0016_payments (the payment tables, empty here, and ledger_entries.payment_id, null here),
    // 0017_due_work_indexes and 0018_drop_superseded_order_indexes (indexes only), and
    // 0019_order_checks (the sync's schedule was two columns of orders: 0019 makes the table from them).
    expect(header.migrations.slice(-5)).toStrictEqual([
      '0015_worker_heartbeats',
      '0016_payments',
      '0017_due_work_indexes',
      '0018_drop_superseded_order_indexes',
      '0019_order_checks',
    ]);
    header.migrations = header.migrations.slice(0, -5);
    const paymentTables = ['payment_methods', 'payments', 'payment_events'];
    const gone = [...paymentTables, 'order_checks'];
    header.tables = header.tables.filter((t: string) => !gone.includes(t));
    const records = text.slice(1).map((line) => (line === '' ? null : JSON.parse(line)));
    const checks = new Map<number, { next_check_at: unknown; unchanged_checks: unknown }>();
    for (const v of records) if (v?.t === 'order_checks') checks.set(Number(v.r.order_id), v.r);
    // The copy holds a sent order still followed by the sync: 0019 has a row to make again.
    expect(checks.size).toBeGreaterThan(0);
    const rows = records.flatMap((v) => {
      if (v === null) return [''];
      if (v.t === 'order_checks') return [];
      if (v.t === 'orders') {
        const c = checks.get(Number(v.r.id));
        v.r.next_check_at = c ? c.next_check_at : null;
        v.r.unchanged_checks = c ? c.unchanged_checks : 0;
      }
      if (v.t === 'ledger_entries') {
        expect(v.r.payment_id).toBeNull();
        delete v.r.payment_id;
      }
      if (v.end) for (const t of gone) delete v.end.counts[t];
      expect(gone).not.toContain(v.t);
      return [JSON.stringify(v)];
    });
    const older = join(dir, 'older.gz');
    writeFileSync(older, gzipSync([JSON.stringify(header), ...rows].join('\n')));
    const target = await emptyTarget(t().dialect);
    const conn = await openDatabase(target.url, { migrate: false });
    try {
      const r = await restoreBackup({ db: conn.db, dialect: conn.dialect, path: older });
      expect(r.ok && r.value.ok).toBe(true);
      expect(await executedMigrations(conn.db)).toStrictEqual(knownMigrations());
      expect(await count(conn.db, 'worker_heartbeats')).toBe(0);
      expect(await dump(conn.db)).toStrictEqual(await dump(db()));
    } finally {
      await conn.close();
      await target.drop();
    }
  });

  it('through the CLI: backup (refusing an existing file without --force), restore, and move refused while a worker runs', async () => {
    const dir = tmpDir();
    const file = join(dir, 'cli.snapshot.gz');
    const b1 = await runCliInProcess(t().url, ['--json', 'backup', '--to', file]);
    expect(b1.code).toBe(0);
    expect(b1.json().path).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(b1.json().counts.users).toBe(await count(db(), 'users'));
    const b2 = await runCliInProcess(t().url, ['--json', 'backup', '--to', file]);
    expect(b2.code).toBe(1);
    expect(b2.json()).toStrictEqual({
      error: `${file} exists; choose another file or use --force to overwrite it`,
    });
    const b3 = await runCliInProcess(t().url, ['backup', '--to', file, '--force']);
    expect(b3.code).toBe(0);
    expect(b3.out[0]).toMatch(/^backup written: .* rows, as of /);

    const target = await emptyTarget(t().dialect);
    try {
      const r = await runCliInProcess(target.url, ['restore', '--from', file]);
      expect(r.code, r.out.join('\n') + r.err.join('\n')).toBe(0);
      expect(r.out.at(-1)).toMatch(
        /^verified: every table's rows and all \d+ balances equal the snapshot's, ledger check clean$/,
      );
      const again = await runCliInProcess(target.url, ['--json', 'restore', '--from', file]);
      expect(again.code).toBe(1);
      expect(again.json().error).toMatch(/^the target database is not empty/);
    } finally {
      await target.drop();
    }

    // A worker's heartbeat 10 s ago: move is refused and the target stays untouched.
    const beat = heartbeatOf(db(), 'test-worker', () => Date.now() - 10_000);
    await beat.beat(true);
    const target2 = await emptyTarget(t().dialect);
    try {
      const m = await runCliInProcess(t().url, ['--json', 'move', '--to', target2.url]);
      expect(m.code).toBe(1);
      expect(m.json().error).toMatch(
        /^a worker was seen 1\d s ago on this database; stop the panel's workers/,
      );
      const conn = await openDatabase(target2.url, { migrate: false });
      expect(await executedMigrations(conn.db)).toStrictEqual([]);
      await conn.close();
      const same = await runCliInProcess(t().url, ['move', '--to', t().url]);
      expect(same.code).toBe(1);
    } finally {
      await beat.end();
      await target2.drop();
    }
  });
  it('payments (methods with sealed secrets, credited and pending payments, their events) restore exactly', async () => {
    const box = SecretBox.ephemeral();
    const actor = await adminActor(db());
    const method = await createPaymentMethod({
      db: db(),
      box,
      actor,
      kind: 'manual',
      input: {
        name: 'Bank',
        instructions: 'IBAN',
        min: '1',
        max: '100',
        adjustPercent: '2',
        enabled: true,
        settings: {},
      },
    });
    if (!method.ok) throw new Error(JSON.stringify(method.failure));
    const payer = await seedUser(db());
    const start = (amount: string) =>
      startPayment({
        db: db(),
        box,
        userId: payer.id,
        methodId: method.value.id,
        amount,
        reference: `ref ${amount}`,
      });
    const paid = await start('50');
    const waiting = await start('7.5');
    if (!paid.ok || !waiting.ok) throw new Error('payment refused');
    expect((await approvePayment({ db: db(), actor, paymentId: paid.value.id })).ok).toBe(true);

    const file = join(tmpDir(), 'payments.gz');
    expect((await createBackup({ db: db(), dialect: t().dialect, path: file })).ok).toBe(true);
    const target = await emptyTarget(t().dialect);
    const conn = await openDatabase(target.url, { migrate: false });
    try {
      const r = await restoreBackup({ db: conn.db, dialect: conn.dialect, path: file });
      expect(r.ok && r.value.ok).toBe(true);
      const restored = await dump(conn.db);
      const source = await dump(db());
      for (const table of ['payment_methods', 'payments', 'payment_events', 'ledger_entries', 'users'])
        expect(restored[table], table).toStrictEqual(source[table]);
      expect(restored.payments?.length).toBe(2);
      expect((await checkLedger({ db: conn.db })).problems).toStrictEqual([]);
      // The restored panel goes on: the pending payment can still be approved, once.
      const again = await approvePayment({ db: conn.db, actor, paymentId: waiting.value.id });
      expect(again.ok && again.value.credited).toBe('7.65');
      const twice = await approvePayment({ db: conn.db, actor, paymentId: paid.value.id });
      expect(twice.ok).toBe(false);
    } finally {
      await conn.close();
      await target.drop();
    }
  });
});

(pgEnabled() ? describe : describe.skip)('move SQLite -> Postgres -> SQLite', () => {
  it('comes back identical, row for row, and each step verifies', async () => {
    const source = await freshDatabase('sqlite');
    const pgTarget = await createPgDatabase();
    const back = `sqlite:${join(tmpDir(), 'back.db')}`;
    let seeded: Seeded | undefined;
    try {
      seeded = await seedPanel(source.db.db, source.url);
      await makeEngine(source.db.db, 'sqlite').rounds(2);
      const original = await dump(source.db.db);
      expect(original.orders?.length).toBeGreaterThanOrEqual(5);
      expect(original.refills?.length).toBeGreaterThan(0);
      expect(original.audit_log?.length).toBeGreaterThan(0);

      const m1 = await runCliInProcess(source.url, ['--json', 'move', '--to', pgTarget.url]);
      expect(m1.code, m1.out.join('\n')).toBe(0);
      expect(m1.json()).toMatchObject({
        ok: true,
        target: 'postgres',
        switchTo: `DATABASE_URL=${pgTarget.url}`,
      });
      const pg = await openDatabase(pgTarget.url);
      try {
        expect(await dump(pg.db)).toStrictEqual(original);
      } finally {
        await pg.close();
      }
      const m2 = await runCliInProcess(pgTarget.url, ['move', '--to', back]);
      expect(m2.code, m2.out.join('\n')).toBe(0);
      expect(m2.out.at(-1)).toBe(
        `to switch, set DATABASE_URL=${back} for the panel and its workers, then start them`,
      );
      const home = await openDatabase(back);
      try {
        expect(await dump(home.db)).toStrictEqual(original);
      } finally {
        await home.close();
      }
    } finally {
      await seeded?.app.close();
      await seeded?.upstream.close();
      await source.cleanup();
      await pgTarget.drop();
    }
  });
});
