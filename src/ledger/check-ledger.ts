/**
 * Use case: recompute every balance from the ledger and every order's money from its entries, and
 * report each difference. An empty report means the books balance.
 */
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';

export interface LedgerProblem {
  kind: 'balance_mismatch' | 'order_charge_mismatch' | 'order_refund_mismatch' | 'orphan_entry';
  userId?: number;
  orderId?: number;
  expected: string;
  actual: string;
}

export async function checkLedger(opts: {
  db: Executor;
}): Promise<{ users: number; orders: number; problems: LedgerProblem[] }> {
  const { db } = opts;
  const problems: LedgerProblem[] = [];

  const users = await db
    .selectFrom('users')
    .leftJoin('ledger_entries', 'ledger_entries.user_id', 'users.id')
    .select((eb) => [
      'users.id as id',
      'users.balance_units as balance',
      eb.fn.coalesce(eb.fn.sum<string>('ledger_entries.amount_units'), eb.val(0)).as('total'),
    ])
    .groupBy(['users.id', 'users.balance_units'])
    .execute();
  for (const u of users) {
    const balance = toUnits(u.balance);
    const total = toUnits(u.total);
    if (balance !== total) {
      problems.push({
        kind: 'balance_mismatch',
        userId: Number(u.id),
        expected: total.toString(),
        actual: balance.toString(),
      });
    }
  }

  const orders = await db
    .selectFrom('orders')
    .leftJoin('ledger_entries', 'ledger_entries.order_id', 'orders.id')
    .select((eb) => [
      'orders.id as id',
      'orders.user_id as userId',
      'orders.charge_units as charge',
      'orders.refunded_units as refunded',
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb
              .case()
              .when('ledger_entries.kind', '=', 'order_charge')
              .then(eb.ref('ledger_entries.amount_units'))
              .else(0)
              .end(),
          ),
          eb.val(0),
        )
        .as('charged'),
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb
              .case()
              .when('ledger_entries.kind', '=', 'order_refund')
              .then(eb.ref('ledger_entries.amount_units'))
              .else(0)
              .end(),
          ),
          eb.val(0),
        )
        .as('refundedEntries'),
    ])
    .groupBy(['orders.id', 'orders.user_id', 'orders.charge_units', 'orders.refunded_units'])
    .execute();
  for (const o of orders) {
    const charge = toUnits(o.charge);
    const charged = -toUnits(o.charged);
    if (charge !== charged) {
      problems.push({
        kind: 'order_charge_mismatch',
        orderId: Number(o.id),
        userId: Number(o.userId),
        expected: charge.toString(),
        actual: charged.toString(),
      });
    }
    const refunded = toUnits(o.refunded);
    const refundedEntries = toUnits(o.refundedEntries);
    if (refunded !== refundedEntries) {
      problems.push({
        kind: 'order_refund_mismatch',
        orderId: Number(o.id),
        userId: Number(o.userId),
        expected: refunded.toString(),
        actual: refundedEntries.toString(),
      });
    }
  }
  return { users: users.length, orders: orders.length, problems };
}
