/**
 * Group commit of orders (src/orders/order-batch.ts): orders placed at the same moment share one
 * transaction, and still each is decided in arrival order against the balance the earlier ones left,
 * each gets its own ledger entry with the balance right after it, and one order the database refuses
 * fails alone. On Postgres the test also proves the orders really shared a transaction (the xmin of
 * their rows), which one transaction per order would fail.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db/transaction.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount, toUnits } from '../src/money.js';
import { fitsOneJsonArray, insertChargedOrdersPgInTx, type NewOrder } from '../src/orders/orders.repo.js';
import { placeOrder } from '../src/orders/place-order.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb, freshDatabase, pgEnabled, type TestDb } from './helpers/db.js';

const params = (values: Record<string, string>) => ({
  get: (name: string) => values[name],
  isMalformed: () => false,
});

/** 1.00 of the currency in units. */
const UNIT = parseAmount('1') as bigint;

async function balanceOf(t: TestDb, userId: number): Promise<string> {
  const row = await t.db.db
    .selectFrom('users')
    .select('balance_units')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return formatAmount(toUnits(row.balance_units));
}

/** The charge entries of a user's orders, by order id: amount and balance after, as text. */
async function chargeEntries(t: TestDb, userId: number) {
  const rows = await t.db.db
    .selectFrom('ledger_entries')
    .select(['order_id', 'amount_units', 'balance_after_units', 'idem_key'])
    .where('user_id', '=', userId)
    .where('kind', '=', 'order_charge')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    order: Number(r.order_id),
    amount: formatAmount(toUnits(r.amount_units)),
    after: formatAmount(toUnits(r.balance_after_units)),
    key: r.idem_key,
  }));
}

/** Postgres: how many transactions wrote these orders (the xmin of their rows). */
async function writingTransactions(t: TestDb, userId: number): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(distinct xmin::text)::int as n from orders where user_id = ${userId}`.execute(t.db.db);
  return Number(r.rows[0]?.n);
}

describeEachDb('orders placed at the same moment are committed together', (ctx) => {
  let service: number;
  beforeAll(async () => {
    service = await seedService(ctx().db.db, { rate: '1.00', min: 10, max: 100000 });
  });

  it('are decided in arrival order against the running balance, each with its own exact entry', async () => {
    const t = ctx();
    const user = await seedUser(t.db.db, '10.00');
    // Charges 3, 5, 4, 2, 1 against 10: 3 and 5 fit (2 left), 4 does not, 2 fits (0 left), 1 does not.
    const quantities = ['3000', '5000', '4000', '2000', '1000'];
    const results = await Promise.all(
      quantities.map((quantity) =>
        placeOrder({
          db: t.db.db,
          userId: user.id,
          serviceId: String(service),
          params: params({ link: 'https://x.test/a', quantity }),
        }),
      ),
    );
    const charges = [3n, 5n, 4n, 2n, 1n].map((c) => c * UNIT);
    const accepted = results.flatMap((r, i) =>
      r.ok ? [{ id: r.value.orderId, charge: charges[i] as bigint }] : [],
    );
    const refused = results.flatMap((r, i) =>
      !r.ok ? [{ code: r.failure.code, charge: charges[i] as bigint }] : [],
    );
    expect(refused.every((r) => r.code === 'insufficient_funds')).toBe(true);
    const spent = accepted.reduce((sum, a) => sum + a.charge, 0n);
    expect(spent).toBeLessThanOrEqual(10n * UNIT);
    expect(await balanceOf(t, user.id)).toBe(formatAmount(10n * UNIT - spent));
    // Nothing was refused that the balance left at the end would still cover: each refusal was right.
    expect(refused.every((r) => r.charge > 10n * UNIT - spent)).toBe(true);
    // The entries, in id order, step the balance down by exactly each accepted charge.
    const byId = [...accepted].sort((a, b) => a.id - b.id);
    let left = 10n * UNIT;
    expect(await chargeEntries(t, user.id)).toEqual(
      byId.map((a) => {
        left -= a.charge;
        return {
          order: a.id,
          amount: formatAmount(-a.charge),
          after: formatAmount(left),
          key: `charge:order:${a.id}`,
        };
      }),
    );
    if (t.dialect === 'sqlite') {
      // One connection: the orders reach the batch in the order they were placed, so the decision is
      // exactly the sequential one: 3 and 5 fit (2 left), 4 does not, 2 fits (0 left), 1 does not.
      expect(results.map((r) => (r.ok ? 'ok' : r.failure.code))).toEqual([
        'ok',
        'ok',
        'insufficient_funds',
        'ok',
        'insufficient_funds',
      ]);
      const ids = accepted.map((a) => a.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    }
    expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
  });

  it('50 adds of one account through API v2 at once: all placed, balance exact, few transactions', async () => {
    const t = ctx();
    const user = await seedUser(t.db.db, '100.00');
    const app = await makeApi(t.db.db);
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          callApi(app, {
            key: user.apiKey,
            action: 'add',
            service,
            link: `https://x.test/${i}`,
            quantity: 1500,
          }),
        ),
      );
      const ids = answers.map((a) => a.body.order);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(50);
      // 50 × 1.50 = 75.00 taken from 100.00.
      expect(await balanceOf(t, user.id)).toBe('25.00');
      const entries = await chargeEntries(t, user.id);
      expect(entries).toHaveLength(50);
      // The balances after each entry step down by exactly one charge, in id order.
      entries.forEach((e, i) => {
        expect(e.amount).toBe('-1.50');
        expect(e.after).toBe(formatAmount(100n * UNIT - (15n * UNIT * BigInt(i + 1)) / 10n));
      });
      // Each link was ordered once, with the answer's id.
      const rows = await t.db.db
        .selectFrom('orders')
        .select(['id', 'link'])
        .where('user_id', '=', user.id)
        .execute();
      const byLink = new Map(rows.map((r) => [r.link, Number(r.id)]));
      ids.forEach((id, i) => {
        expect(byLink.get(`https://x.test/${i}`)).toBe(id);
      });
      if (t.dialect === 'postgres') {
        // One transaction per order would make 50.
        expect(await writingTransactions(t, user.id)).toBeLessThan(25);
      }
      expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  describe('an order the database refuses', () => {
    const REFUSED = 'https://refused.test/x';
    beforeAll(async () => {
      const t = ctx();
      if (t.dialect === 'sqlite') {
        await sql
          .raw(
            `create trigger refuse_test_link before insert on orders when new.link = '${REFUSED}'
             begin select raise(abort, 'refused by the test'); end`,
          )
          .execute(t.db.db);
      } else {
        await sql
          .raw(
            `create function refuse_test_link() returns trigger language plpgsql as $$
             begin if new.link = '${REFUSED}' then raise exception 'refused by the test'; end if; return new; end $$;
             create trigger refuse_test_link before insert on orders for each row execute function refuse_test_link()`,
          )
          .execute(t.db.db);
      }
    });
    afterAll(async () => {
      const t = ctx();
      await sql
        .raw(`drop trigger refuse_test_link${t.dialect === 'postgres' ? ' on orders' : ''}`)
        .execute(t.db.db);
    });

    it('fails alone: the other orders of its batch are placed and charged exactly', async () => {
      const t = ctx();
      const user = await seedUser(t.db.db, '20.00');
      const links = Array.from({ length: 10 }, (_, i) => (i === 4 ? REFUSED : `https://ok.test/${i}`));
      const settled = await Promise.allSettled(
        links.map((link) =>
          placeOrder({
            db: t.db.db,
            userId: user.id,
            serviceId: String(service),
            params: params({ link, quantity: '1000' }),
          }),
        ),
      );
      settled.forEach((s, i) => {
        if (i === 4) expect(s.status).toBe('rejected');
        else expect(s.status === 'fulfilled' && s.value.ok).toBe(true);
      });
      expect(await balanceOf(t, user.id)).toBe('11.00');
      const rows = await t.db.db.selectFrom('orders').select('link').where('user_id', '=', user.id).execute();
      expect(rows.map((r) => r.link).sort()).toEqual(links.filter((l) => l !== REFUSED).sort());
      expect(await chargeEntries(t, user.id)).toHaveLength(9);
      expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
    });
  });
});

describeEachDb('a covered batch of different charges', (ctx) => {
  it('steps the balance down by each charge, in id order, with the exact entries and rows', async () => {
    const t = ctx();
    const service = await seedService(t.db.db, { rate: '1.00', min: 10, max: 100000 });
    const user = await seedUser(t.db.db, '20.00');
    // 3.00 + 0.50 + 1.20 + 0.01 + 4.00 = 8.71 of 20.00: all covered (Postgres: the one-statement path).
    const quantities = ['3000', '500', '1200', '10', '4000'];
    const linkOf = (i: number) => `https://x.test/ünï/😀?a=1&b=%22${i}`;
    const results = await Promise.all(
      quantities.map((quantity, i) =>
        placeOrder({
          db: t.db.db,
          userId: user.id,
          serviceId: String(service),
          params: params({ link: linkOf(i), quantity }),
        }),
      ),
    );
    const placed = results.map((r, i) => {
      if (!r.ok) throw new Error(`order ${i} refused: ${r.failure.code}`);
      return { id: r.value.orderId, quantity: quantities[i] as string, link: linkOf(i) };
    });
    expect(await balanceOf(t, user.id)).toBe('11.29');
    const byId = [...placed].sort((a, b) => a.id - b.id);
    let left = 20n * UNIT;
    expect(await chargeEntries(t, user.id)).toEqual(
      byId.map((o) => {
        const charge = BigInt(o.quantity) * (UNIT / 1000n);
        left -= charge;
        return {
          order: o.id,
          amount: formatAmount(-charge),
          after: formatAmount(left),
          key: `charge:order:${o.id}`,
        };
      }),
    );
    const rows = await t.db.db
      .selectFrom('orders')
      .select(['id', 'link', 'quantity', 'charge_units', 'remains', 'status', 'service_id'])
      .where('user_id', '=', user.id)
      .orderBy('id')
      .execute();
    expect(
      rows.map((r) => [
        Number(r.id),
        r.link,
        String(r.quantity),
        String(r.remains),
        r.status,
        Number(r.service_id),
      ]),
    ).toEqual(byId.map((o) => [o.id, o.link, o.quantity, o.quantity, 'pending', service]));
    expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
  });
});

(pgEnabled() ? describe : describe.skip)('Postgres: a batch in one statement [postgres]', () => {
  let t: TestDb & { cleanup(): Promise<void> };
  beforeAll(async () => {
    t = await freshDatabase('postgres');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('writes the rows as given, the entries stepping down, or nothing when the balance does not cover', async () => {
    const db = t.db.db;
    const service = await seedService(db, { rate: '1.00', min: 10, max: 100000 });
    const user = await seedUser(db, '10.00');
    const first = await placeOrder({
      db,
      userId: user.id,
      serviceId: String(service),
      params: params({ link: 'https://x.test/first', quantity: '1000' }),
    });
    if (!first.ok) throw new Error(first.failure.code);
    // A real order's row as the template: every column the panel writes, with awkward text in it.
    const { id: _id, ...template } = await db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', first.value.orderId)
      .executeTakeFirstOrThrow();
    const rows = [
      { link: 'https://x.test/a"b\\c\nd😀', charge: 250n, quantity: 2500n },
      { link: "https://x.test/'quoted'", charge: 1n, quantity: 10n },
      { link: 'https://x.test/ünï', charge: 400n, quantity: 4000n },
    ].map((r) => ({
      ...template,
      link: r.link,
      quantity: r.quantity,
      remains: r.quantity,
      charge_units: (r.charge * UNIT) / 100n,
      params: JSON.stringify({ note: 'x"y' }),
    })) as (NewOrder & typeof template)[];
    const total = rows.reduce((sum, r) => sum + BigInt(r.charge_units), 0n);
    const ids = await inTransaction(db, (tx) => insertChargedOrdersPgInTx(tx, user.id, total, rows));
    expect(ids).toHaveLength(3);
    expect([...(ids ?? [])].sort((a, b) => a - b)).toEqual(ids);
    const written = await db
      .selectFrom('orders')
      .selectAll()
      .where('id', 'in', ids ?? [])
      .orderBy('id')
      .execute();
    expect(written.map(({ id: _i, ...rest }) => rest)).toEqual(
      rows.map((r) => ({
        ...r,
        quantity: Number(r.quantity),
        remains: Number(r.remains),
        charge_units: Number(r.charge_units),
      })),
    );
    // 10.00 - 1.00 (the first order) - 2.50 - 0.01 - 4.00 = 2.49.
    expect(await balanceOf(t, user.id)).toBe('2.49');
    const entries = await chargeEntries(t, user.id);
    expect(entries.slice(1).map((e) => [e.order, e.amount, e.after, e.key])).toEqual([
      [ids?.[0], '-2.50', '6.50', `charge:order:${ids?.[0]}`],
      [ids?.[1], '-0.01', '6.49', `charge:order:${ids?.[1]}`],
      [ids?.[2], '-4.00', '2.49', `charge:order:${ids?.[2]}`],
    ]);
    // Not covered: 2.50 asked of 2.49. Nothing is written.
    const count = async () =>
      Number((await sql<{ n: number }>`select count(*)::int as n from orders`.execute(db)).rows[0]?.n);
    const before = await count();
    const refused = await inTransaction(db, (tx) =>
      insertChargedOrdersPgInTx(tx, user.id, (250n * UNIT) / 100n, rows.slice(0, 1)),
    );
    expect(refused).toBeNull();
    expect(await count()).toBe(before);
    expect(await balanceOf(t, user.id)).toBe('2.49');
    expect(await chargeEntries(t, user.id)).toHaveLength(4);
    expect((await checkLedger({ db })).problems).toEqual([]);
  });
});

describe('which rows a batch may send as one JSON array', () => {
  it('only rows with the same columns and no lone surrogate in their text', () => {
    const row = { user_id: 1, link: 'https://x.test/ü😀', quantity: 10 } as unknown as NewOrder;
    expect(fitsOneJsonArray([row, { ...row, link: 'https://x.test/b' }])).toBe(true);
    expect(fitsOneJsonArray([row, { ...row, params: '{}' }])).toBe(false);
    expect(fitsOneJsonArray([row, { ...row, link: 'https://x.test/\uD800x' }])).toBe(false);
    expect(fitsOneJsonArray([{ ...row, link: 'https://x.test/\uDC00' }])).toBe(false);
  });
});
