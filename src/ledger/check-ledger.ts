/**
 * Use case: recompute every balance from the ledger and every order's money from its entries, and
 * report each difference. An empty report means the books balance. Beyond the sums it checks that the
 * entries themselves were not tampered with: each names an order of its own account, each balance
 * after follows from the one before, and no order is charged twice. A subscription's reserve
 * (orders.reserve_units) equals what its reserve entries hold, and an order that ended holds none.
 */
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';
import { isTerminal, type OrderStatus } from '../orders/order.state.js';
import { sumEntriesPerPayment } from '../payments/payments.repo.js';
import {
  brokenBalanceChain,
  entriesWithForeignOrder,
  ordersChargedTwice,
  sumEntriesPerOrder,
  sumEntriesPerUser,
} from './ledger.repo.js';

export interface LedgerProblem {
  kind:
    | 'balance_mismatch'
    | 'order_charge_mismatch'
    | 'order_refund_mismatch'
    | 'order_reserve_mismatch'
    | 'ended_order_holds_reserve'
    | 'foreign_order_entry'
    | 'balance_chain_broken'
    | 'order_charged_twice'
    | 'payment_credit_mismatch'
    | 'payment_reversal_mismatch'
    | 'foreign_payment_entry';
  userId?: number;
  orderId?: number;
  paymentId?: number;
  entryId?: number;
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
    // A subscription's reserve is what its reserve entries set aside and did not take back.
    const reserve = toUnits(o.reserve);
    const reservedEntries = -toUnits(o.reservedEntries);
    if (reserve !== reservedEntries) {
      problems.push({
        kind: 'order_reserve_mismatch',
        orderId: Number(o.id),
        userId: Number(o.userId),
        expected: reserve.toString(),
        actual: reservedEntries.toString(),
      });
    }
    // An order that ended gave its reserve back.
    if (isTerminal(o.status as OrderStatus) && (reserve !== 0n || reservedEntries !== 0n)) {
      problems.push({
        kind: 'ended_order_holds_reserve',
        orderId: Number(o.id),
        userId: Number(o.userId),
        expected: '0',
        actual: `reserve ${reserve}, entries hold ${reservedEntries}`,
      });
    }
  }

  // An entry must name an order of its own account (or none).
  for (const e of await entriesWithForeignOrder(db)) {
    problems.push({
      kind: 'foreign_order_entry',
      entryId: Number(e.entryId),
      userId: Number(e.userId),
      orderId: Number(e.orderId),
      expected: `an order of user ${Number(e.userId)}`,
      actual: e.orderUserId === null ? 'no such order' : `an order of user ${Number(e.orderUserId)}`,
    });
  }
  // Each entry's balance after is the one before plus its amount: no entry removed, edited or slipped in.
  for (const e of await brokenBalanceChain(db)) {
    problems.push({
      kind: 'balance_chain_broken',
      entryId: Number(e.entryId),
      userId: Number(e.userId),
      expected: toUnits(e.expected).toString(),
      actual: toUnits(e.actual).toString(),
    });
  }
  for (const o of await ordersChargedTwice(db)) {
    problems.push({
      kind: 'order_charged_twice',
      orderId: Number(o.orderId),
      userId: Number(o.userId),
      expected: '1 charge',
      actual: `${Number(o.charges)} charges`,
    });
  }
  // A payment's credit and reversal equal its entries, which belong to its payer.
  for (const p of await sumEntriesPerPayment(db)) {
    if (p.creditedUnits !== p.creditEntries)
      problems.push({
        kind: 'payment_credit_mismatch',
        paymentId: p.id,
        expected: p.creditEntries.toString(),
        actual: p.creditedUnits.toString(),
      });
    if (p.reversedUnits !== -p.reversalEntries)
      problems.push({
        kind: 'payment_reversal_mismatch',
        paymentId: p.id,
        expected: (-p.reversalEntries).toString(),
        actual: p.reversedUnits.toString(),
      });
    if (p.foreignEntries > 0)
      problems.push({
        kind: 'foreign_payment_entry',
        paymentId: p.id,
        expected: 'entries of the payer only',
        actual: `${p.foreignEntries} entries of another user`,
      });
  }
  return { users: users.length, orders: orders.length, problems };
}
