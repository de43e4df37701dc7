/**
 * Transient database failures on a write are retried when the whole transaction can safely run again:
 * a serialization failure, a deadlock, or the connection dropped mid-transaction (each forced on
 * Postgres by a trigger that fails the order's insert the first times). The order is placed and
 * charged exactly once. Past the retries the client gets the API's internal error and nothing changed;
 * a failure at COMMIT (its outcome unknown) is never retried.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { footprint, moveOrder } from './helpers/api-v2.js';
import { freshDatabase, pgEnabled, type TestDb } from './helpers/db.js';

(pgEnabled() ? describe : describe.skip)('transient database errors [postgres]', () => {
  let t: TestDb & { cleanup(): Promise<void> };
  let app: FastifyInstance;
  let service: number;
  const db = () => t.db.db;

  beforeAll(async () => {
    t = await freshDatabase('postgres');
    app = await makeApi(db());
    service = await seedService(db(), { rate: '1', min: 10, max: 10000 });
    await sql`create sequence fault_seq`.execute(db());
    await sql`create table fault_plan (kind text not null, times int not null)`.execute(db());
    // Fails the order's insert `times` times (the sequence is not rolled back with the transaction).
    await sql`
      create function fail_order_insert() returns trigger language plpgsql as $$
      declare p record;
      begin
        select * into p from fault_plan limit 1;
        if p is null or nextval('fault_seq') > p.times then return new; end if;
        if p.kind = 'serialization' then raise exception 'forced' using errcode = '40001'; end if;
        if p.kind = 'deadlock' then raise exception 'forced' using errcode = '40P01'; end if;
        if p.kind = 'disconnect' then perform pg_terminate_backend(pg_backend_pid()); end if;
        return new;
      end $$`.execute(db());
    await sql`create trigger fail_order_insert before insert on orders for each row execute function fail_order_insert()`.execute(
      db(),
    );
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });
  beforeEach(async () => {
    await sql`delete from fault_plan`.execute(db());
    await sql`alter sequence fault_seq restart`.execute(db());
  });

  async function plan(kind: string, times: number) {
    await sql`insert into fault_plan (kind, times) values (${kind}, ${times})`.execute(db());
  }
  const attemptsMade = async () =>
    Number((await sql<{ n: string }>`select last_value as n from fault_seq`.execute(db())).rows[0]?.n);

  for (const kind of ['serialization', 'deadlock', 'disconnect']) {
    it(`${kind}: retried, the order is placed and charged exactly once`, async () => {
      const user = await seedUser(db(), '10');
      await plan(kind, 2);
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: 'https://x.com/a',
        quantity: 1000,
      });
      expect(r.body).toEqual({ order: expect.any(Number) });
      expect(await attemptsMade()).toBe(3);
      const after = await footprint(db(), user.id);
      expect(after.balanceUnits).toBe(90_000_000n);
      expect(after.orders).toBe(1);
      expect(after.ledgerEntries).toBe(2);
      expect((await checkLedger({ db: db() })).problems).toEqual([]);
    });

    it(`${kind}: past the retries the answer is the internal error and nothing changed`, async () => {
      const user = await seedUser(db(), '10');
      const before = await footprint(db(), user.id);
      await plan(kind, 100);
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: 'https://x.com/a',
        quantity: 1000,
      });
      expect(r.statusCode).toBe(200);
      expect(r.body).toEqual({ error: 'Internal error, please retry later' });
      expect(await attemptsMade()).toBe(4);
      expect(await footprint(db(), user.id)).toEqual(before);
    });
  }

  it('a failure at COMMIT is not retried: its outcome could be a committed charge', async () => {
    const user = await seedUser(db(), '10');
    await sql`
      create function fail_at_commit() returns trigger language plpgsql as $$
      begin
        perform nextval('fault_seq');
        raise exception 'forced at commit' using errcode = '40001';
      end $$`.execute(db());
    await sql`create constraint trigger fail_at_commit after insert on orders deferrable initially deferred
              for each row execute function fail_at_commit()`.execute(db());
    try {
      const before = await footprint(db(), user.id);
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: 'https://x.com/a',
        quantity: 1000,
      });
      expect(r.body).toEqual({ error: 'Internal error, please retry later' });
      expect(await attemptsMade()).toBe(1);
      expect(await footprint(db(), user.id)).toEqual(before);
    } finally {
      await sql`drop trigger fail_at_commit on orders`.execute(db());
    }
  });

  describe('refill and cancel', () => {
    let refillable: number;
    let cancelable: number;
    beforeAll(async () => {
      refillable = await seedService(db(), { rate: '1', min: 10, max: 10000, refill: true });
      cancelable = await seedService(db(), { rate: '1', min: 10, max: 10000, cancel: true });
      // The same faults, forced on a refill's insert and on the update that records a cancel request.
      await sql`create trigger fail_refill_insert before insert on refills for each row execute function fail_order_insert()`.execute(
        db(),
      );
      await sql`create trigger fail_cancel_request before update of cancel_requested_at on orders for each row execute function fail_order_insert()`.execute(
        db(),
      );
    });

    /** An order placed (and, for a refill, completed) before the faults are planned. */
    async function orderOf(svc: number, completed: boolean) {
      const user = await seedUser(db(), '10');
      const placed = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service: svc,
        link: 'https://x.com/a',
        quantity: 100,
      });
      const order = placed.body.order as number;
      if (completed) await moveOrder(db(), order, 'completed');
      return { user, order };
    }

    const refillsOf = async (order: number) =>
      Number(
        (
          await db()
            .selectFrom('refills')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('order_id', '=', order)
            .executeTakeFirstOrThrow()
        ).n,
      );

    for (const kind of ['serialization', 'deadlock', 'disconnect']) {
      it(`${kind}: a refill is retried and recorded exactly once`, async () => {
        const { user, order } = await orderOf(refillable, true);
        await plan(kind, 2);
        const r = await callApi(app, { key: user.apiKey, action: 'refill', order });
        expect(r.body).toMatchObject({ refill: expect.any(String) });
        expect(await attemptsMade()).toBe(3);
        expect(await refillsOf(order)).toBe(1);
        await sql`delete from fault_plan`.execute(db());
        // The one refill is open: a second request is refused as such.
        expect((await callApi(app, { key: user.apiKey, action: 'refill', order })).body).toEqual({
          error: 'Refill already requested for this order',
        });
      });

      it(`${kind}: a cancel request is retried and recorded once`, async () => {
        const { user, order } = await orderOf(cancelable, false);
        await plan(kind, 2);
        const r = await callApi(app, { key: user.apiKey, action: 'cancel', orders: String(order) });
        expect(r.body).toEqual([{ order, cancel: 'Your cancellation request has been received.' }]);
        expect(await attemptsMade()).toBe(3);
        const row = await db()
          .selectFrom('orders')
          .select('cancel_requested_at')
          .where('id', '=', order)
          .executeTakeFirstOrThrow();
        expect(row.cancel_requested_at).not.toBeNull();
      });

      it(`${kind}: past the retries, refill and cancel answer the internal error and change nothing`, async () => {
        const done = await orderOf(refillable, true);
        const open = await orderOf(cancelable, false);
        await plan(kind, 100);
        expect(
          (await callApi(app, { key: done.user.apiKey, action: 'refill', order: done.order })).body,
        ).toEqual({
          error: 'Internal error, please retry later',
        });
        expect(await refillsOf(done.order)).toBe(0);
        await sql`alter sequence fault_seq restart`.execute(db());
        const c = await callApi(app, { key: open.user.apiKey, action: 'cancel', order: open.order });
        expect(JSON.stringify(c.body)).toMatch(/Internal error, please retry later/);
        const row = await db()
          .selectFrom('orders')
          .select('cancel_requested_at')
          .where('id', '=', open.order)
          .executeTakeFirstOrThrow();
        expect(row.cancel_requested_at).toBeNull();
      });
    }
  });
});
