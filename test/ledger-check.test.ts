/**
 * `ledger check` catches tampering with the entries themselves, not only sums that disagree: an entry
 * naming another user's order or no order at all, a broken balance-after chain, a second charge for one
 * order. Each is done to a fresh account on both databases; the check names it and exits with 2.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { checkLedger, type LedgerProblem } from '../src/ledger/check-ledger.js';
import { toUnits } from '../src/money.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('ledger check against tampering', (ctx) => {
  let app: FastifyInstance;
  let service: number;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
    service = await seedService(ctx().db.db, { rate: '2', min: 10, max: 10000 });
  });
  afterAll(async () => {
    await app.close();
  });

  const db = () => ctx().db.db;

  async function cliCheck() {
    const out: string[] = [];
    const code = await main(['--json', 'ledger', 'check'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      env: { DATABASE_URL: ctx().url },
    });
    return { code, report: JSON.parse(out.join('\n')) as { ok: boolean; problems: LedgerProblem[] } };
  }

  /** A customer with a deposit and two orders: five entries, every one consistent. */
  async function customerWithOrders() {
    const user = await seedUser(db(), '50');
    const orders: number[] = [];
    for (const quantity of [1000, 500]) {
      const r = await callApi(app, {
        key: user.apiKey,
        action: 'add',
        service,
        link: 'https://x.com/a',
        quantity,
      });
      orders.push(r.body.order);
    }
    const mine = async () => (await checkLedger({ db: db() })).problems.filter((p) => p.userId === user.id);
    expect(await mine()).toEqual([]);
    return { user, orders, mine };
  }

  const entriesOf = (userId: number) =>
    db().selectFrom('ledger_entries').selectAll().where('user_id', '=', userId).orderBy('id').execute();

  it('an untouched ledger is clean (exit 0)', async () => {
    await customerWithOrders();
    const r = await cliCheck();
    expect(r.report.problems).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("an entry moved onto another user's order is caught", async () => {
    const a = await customerWithOrders();
    const b = await customerWithOrders();
    const charge = (await entriesOf(a.user.id)).find((e) => Number(e.order_id) === a.orders[0])!;
    await db()
      .updateTable('ledger_entries')
      .set({ order_id: b.orders[0] })
      .where('id', '=', charge.id)
      .execute();
    expect(await a.mine()).toContainEqual({
      kind: 'foreign_order_entry',
      entryId: Number(charge.id),
      userId: a.user.id,
      orderId: b.orders[0],
      expected: `an order of user ${a.user.id}`,
      actual: `an order of user ${b.user.id}`,
    });
    const r = await cliCheck();
    expect(r.code).toBe(2);
    expect(r.report.ok).toBe(false);
  });

  it('an entry naming an order that does not exist is caught', async () => {
    const a = await customerWithOrders();
    const charge = (await entriesOf(a.user.id)).find((e) => Number(e.order_id) === a.orders[1])!;
    await db()
      .updateTable('ledger_entries')
      .set({ order_id: 987654321 })
      .where('id', '=', charge.id)
      .execute();
    expect(await a.mine()).toContainEqual(
      expect.objectContaining({
        kind: 'foreign_order_entry',
        entryId: Number(charge.id),
        actual: 'no such order',
      }),
    );
    expect((await cliCheck()).code).toBe(2);
  });

  it('a balance-after edited in the middle of an account breaks the chain, though every sum still agrees', async () => {
    const a = await customerWithOrders();
    const entries = await entriesOf(a.user.id);
    const middle = entries[1]!;
    const after = toUnits(middle.balance_after_units);
    await db()
      .updateTable('ledger_entries')
      .set({ balance_after_units: after + 10_000_000n })
      .where('id', '=', middle.id)
      .execute();
    const problems = await a.mine();
    expect(problems.map((p) => p.kind)).toEqual(['balance_chain_broken', 'balance_chain_broken']);
    expect(problems[0]).toMatchObject({
      entryId: Number(middle.id),
      expected: after.toString(),
      actual: (after + 10_000_000n).toString(),
    });
    expect((await cliCheck()).code).toBe(2);
  });

  it('a second charge for one order is caught, even when the balance and the chain were adjusted to match', async () => {
    const a = await customerWithOrders();
    const entries = await entriesOf(a.user.id);
    const last = entries[entries.length - 1]!;
    const charge = entries.find((e) => Number(e.order_id) === a.orders[0])!;
    const amount = toUnits(charge.amount_units);
    const balanceAfter = toUnits(last.balance_after_units) + amount;
    await db()
      .insertInto('ledger_entries')
      .values({
        user_id: a.user.id,
        amount_units: amount,
        balance_after_units: balanceAfter,
        kind: 'order_charge',
        order_id: a.orders[0],
        idem_key: null,
        note: 'tampered',
        created_at: Date.now(),
      })
      .execute();
    await db()
      .updateTable('users')
      .set({ balance_units: balanceAfter })
      .where('id', '=', a.user.id)
      .execute();
    const kinds = (await a.mine()).map((p) => p.kind);
    expect(kinds).toContain('order_charged_twice');
    expect(kinds).not.toContain('balance_chain_broken');
    expect(kinds).not.toContain('balance_mismatch');
    expect((await cliCheck()).code).toBe(2);
  });

  it("a subscription's reserve column that disagrees with its reserve entries, or an ended order still holding one, is caught", async () => {
    const sub = await seedService(db(), { type: 'Subscriptions', rate: '1', min: 10, max: 100 });
    const user = await seedUser(db(), '1');
    const placed = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: sub,
      username: 'reserve_check',
      min: 10,
      max: 100,
    });
    const order = placed.body.order as number;
    const mine = async () => (await checkLedger({ db: db() })).problems.filter((p) => p.userId === user.id);
    expect(await mine()).toEqual([]);
    // The reserve (0.1) grows without an entry setting it aside.
    await db().updateTable('orders').set({ reserve_units: 2_000_000 }).where('id', '=', order).execute();
    expect(await mine()).toEqual([
      {
        kind: 'order_reserve_mismatch',
        orderId: order,
        userId: user.id,
        expected: '2000000',
        actual: '1000000',
      },
    ]);
    expect((await cliCheck()).code).toBe(2);
    // Back in agreement, but the order ended without returning it.
    await db()
      .updateTable('orders')
      .set({ reserve_units: 1_000_000, status: 'completed' })
      .where('id', '=', order)
      .execute();
    expect((await mine()).map((p) => p.kind)).toEqual(['ended_order_holds_reserve']);
  });
});
