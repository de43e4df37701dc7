/**
 * Moving an order to a new status and settling its money, used by the operator (`orders set`) and,
 * later, by the fulfilment engine. One compare-and-set on the status; a terminal status comes with its
 * refund in the same transaction: Completed keeps the charge, Partial refunds what remains undelivered
 * (exactly, never more than the charge), Canceled refunds all. refund + kept = charge, always.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { creditInTx } from '../ledger/ledger.repo.js';
import { partialRefund } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { canTransition, isTerminal, type OrderStatus } from './order.state.js';
import { casOrderStatus, findOrder, type Order } from './orders.repo.js';
import { returnReserveInTx } from './subscription-reserve.js';
import { dropChecks, scheduleChecks } from './sync.repo.js';

/** The most that can remain: the whole order (all runs; all posts of a subscription). */
export function totalQuantity(order: Order): bigint {
  if (order.type === 'Subscriptions') {
    // Posts for a limited subscription; one charged per post has nothing reserved, so nothing remains.
    const posts = order.params?.posts;
    return typeof posts === 'number' ? BigInt(posts) : 0n;
  }
  return order.quantity * BigInt(order.runs ?? 1);
}

/** The refund for `remains` undelivered (posts, for a subscription: each post is `quantity` items). */
export function refundForRemains(order: Order, remains: bigint): bigint {
  const items = order.type === 'Subscriptions' ? remains * order.quantity : remains;
  return partialRefund(order.chargeUnits, order.rateUnits, items);
}

/**
 * A subscription without a post limit: charged per post as posts are delivered, from a reserve set
 * aside at placement (orders/subscription-reserve.ts).
 */
export function isPerPostSubscription(order: Order): boolean {
  return order.type === 'Subscriptions' && typeof order.params?.posts !== 'number';
}

/** What a status change can refuse. */
export type SettleFailure = FailureOf<
  | 'unknown_order'
  | 'conflict'
  | 'remains_out_of_range'
  | 'negative_start_count'
  | 'partial_needs_remains'
  | 'partial_remains_zero'
>;

export interface StatusChange {
  status: OrderStatus;
  remains?: bigint | undefined;
  startCount?: bigint | undefined;
}

export interface ChangeOptions {
  orderId: number;
  change: StatusChange;
  /** Only apply if the order is still in this status (engine use); defaults to what was read. */
  expectedStatus?: OrderStatus;
  now?: number;
  /**
   * The order as the caller just read it (engine use), to save reading it again. The update then also
   * compares the money columns with this snapshot, so a stale snapshot is a conflict, never a wrong refund.
   */
  known?: Order;
  /** Engine use: while the order stays active, its next status check (the backoff starts again). */
  checkAt?: number;
  /** Engine bookkeeping columns written by the same UPDATE. */
  alsoSet?: {
    last_error?: string | null;
    provider_charge_units?: bigint;
  };
}

/** Use case: move an order and settle it, in its own transaction (run again after a transient failure). */
export async function changeOrderStatus(
  opts: ChangeOptions & { db: Executor },
): Promise<Result<{ order: Order; refundUnits: bigint }, SettleFailure>> {
  return inTransaction(opts.db, (tx) => changeOrderStatusInTx(tx, opts));
}

/** The same inside the caller's transaction (the engine combines it with its own bookkeeping). */
export async function changeOrderStatusInTx(
  tx: Executor,
  opts: ChangeOptions,
): Promise<Result<{ order: Order; refundUnits: bigint }, SettleFailure>> {
  const { orderId, change } = opts;
  const now = opts.now ?? Date.now();
  {
    const order = opts.known ?? (await findOrder(tx, orderId));
    if (!order) return fail({ code: 'unknown_order' });
    const from = opts.expectedStatus ?? order.status;
    if (order.status !== from)
      return fail({
        code: 'conflict',
        reason: 'unexpected_state',
        what: 'order',
        id: orderId,
        from: order.status,
        to: from,
      });
    if (!canTransition(from, change.status)) {
      return fail({
        code: 'conflict',
        reason: 'forbidden_transition',
        what: 'order',
        id: orderId,
        from,
        to: change.status,
      });
    }
    const total = totalQuantity(order);
    if (change.remains !== undefined && (change.remains < 0n || change.remains > total)) {
      return fail({ code: 'remains_out_of_range', max: total });
    }
    if (change.startCount !== undefined && change.startCount < 0n) {
      return fail({ code: 'negative_start_count' });
    }

    let remains = change.remains ?? order.remains;
    let refund = 0n;
    if (change.status === 'completed') {
      remains = 0n;
    } else if (change.status === 'partial') {
      if (change.remains === undefined) return fail({ code: 'partial_needs_remains' });
      if (remains === 0n) return fail({ code: 'partial_remains_zero' });
      refund = refundForRemains(order, remains);
    } else if (change.status === 'canceled') {
      // A subscription without a post limit was charged only for posts already delivered: nothing to give back.
      refund = isPerPostSubscription(order) ? 0n : order.chargeUnits - order.refundedUnits;
      if (change.remains === undefined) remains = total;
    }

    const finishedAt = isTerminal(change.status) ? now : null;
    // A subscription without a post limit gives its reserve back when it ends.
    const returnReserve = isTerminal(change.status) && order.reserveUnits > 0n;
    const startCount = change.startCount ?? order.startCount;
    const changed = await casOrderStatus(tx, {
      orderId,
      from,
      set: {
        ...opts.alsoSet,
        status: change.status,
        remains,
        start_count: startCount,
        refunded_units: order.refundedUnits + refund,
        updated_at: now,
        finished_at: finishedAt,
        ...(returnReserve ? { reserve_units: 0n } : {}),
      },
      reserveUnits: order.reserveUnits,
      ...(opts.known
        ? { money: { chargeUnits: order.chargeUnits, refundedUnits: order.refundedUnits } }
        : {}),
    });
    if (!changed) {
      return fail({ code: 'conflict', reason: 'changed_meanwhile', what: 'order', id: orderId });
    }
    // The sync's schedule holds active orders only: an end removes the order's check.
    if (finishedAt !== null) await dropChecks(tx, { orderIds: [orderId] });
    else if (opts.checkAt !== undefined) await scheduleChecks(tx, { orderIds: [orderId], at: opts.checkAt });
    if (refund > 0n) {
      await creditInTx(tx, {
        userId: order.userId,
        amountUnits: refund,
        kind: 'order_refund',
        orderId,
        idemKey: `refund:order:${orderId}`,
        note: change.status === 'partial' ? `partial: ${remains} not delivered` : 'canceled',
        now,
      });
    }
    if (returnReserve) await returnReserveInTx(tx, order, now);
    const after: Order = {
      ...order,
      reserveUnits: returnReserve ? 0n : order.reserveUnits,
      status: change.status,
      remains,
      startCount,
      refundedUnits: order.refundedUnits + refund,
      updatedAt: now,
      finishedAt,
    };
    return ok({ order: after, refundUnits: refund });
  }
}

/**
 * pending -> processing once the provider has the order, through the state machine, in the caller's
 * transaction (the one that records the dispatch change). An order already further is left alone.
 */
export async function startProcessingInTx(
  tx: Executor,
  opts: {
    orderId: number;
    now: number;
    /** The order as the caller just read it (a fresh claim): saves reading it again; a stale one is a conflict. */
    known?: Order;
  },
): Promise<Result<{ order: Order; refundUnits: bigint }, SettleFailure> | null> {
  const order = opts.known ?? (await findOrder(tx, opts.orderId));
  if (!order || order.status !== 'pending') return null;
  return changeOrderStatusInTx(tx, {
    orderId: opts.orderId,
    change: { status: 'processing' },
    expectedStatus: 'pending',
    known: order,
    now: opts.now,
  });
}
