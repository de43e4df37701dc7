/**
 * Use case: recompute every balance from the ledger and every order's money from its entries, and
 * report each difference. An empty report means the books balance.
 */
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';
import { sumEntriesPerOrder, sumEntriesPerUser } from './ledger.repo.js';

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

  const users = await sumEntriesPerUser(db);
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

  const orders = await sumEntriesPerOrder(db);
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
