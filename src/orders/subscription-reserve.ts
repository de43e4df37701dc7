/**
 * The reserve of a subscription without a post limit (docs/fulfilment.md, "Money rules").
 *
 * Such a subscription is charged per delivered post, after the fact: the sync sees the upstream's
 * delivered-post count grow. So that what can still be charged is always covered, per customer and not
 * per subscription, money is set aside when it is placed: RESERVE_POSTS posts' price, debited through
 * the ledger like any charge (kind `order_reserve`), held in `orders.reserve_units`. When new posts are
 * seen the reserve is taken back (`order_reserve_return`), the posts are charged (`order_charge`) and
 * the reserve is set aside again from the balance; when the subscription ends what is left is returned.
 * A customer whose balance pays for one post can therefore hold one such subscription, not five.
 *
 * Idempotency keys (ledger_entries.idem_key is unique), for order <id>:
 *   reserve:order:<id>:after:<n>        the reserve set aside with n posts delivered (0 = at placement)
 *   reserve-use:order:<id>:posts:<a>-<b> the reserve taken back to pay posts a..b
 *   charge:order:<id>:posts:<a>-<b>      posts a..b charged (as before)
 *   reserve-return:order:<id>            the reserve returned when the subscription ended
 * Nothing here opens a transaction: callers pass theirs.
 */
import { findUserById } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { creditInTx, debitInTx } from '../ledger/ledger.repo.js';
import { chargeFor } from '../money.js';
import { MAX_POSTS } from './order-input.js';
import type { Order } from './orders.repo.js';
import { recordDeliveredPosts } from './sync.repo.js';

/** How many posts' price a subscription without a post limit holds in reserve. */
export const RESERVE_POSTS = 1n;

/** The reserve a subscription of `quantity` per post at `rateUnits` holds: RESERVE_POSTS posts' price. */
export function reserveFor(rateUnits: bigint, quantity: bigint): bigint {
  return chargeFor(rateUnits, quantity * RESERVE_POSTS);
}

/**
 * Set `amountUnits` aside for order `orderId`: one conditional debit. False when the balance does not
 * cover it (nothing changed).
 */
export async function takeReserveInTx(
  tx: Executor,
  p: { userId: number; orderId: number; amountUnits: bigint; postsDelivered: bigint; now: number },
): Promise<boolean> {
  const after = await debitInTx(tx, {
    userId: p.userId,
    amountUnits: p.amountUnits,
    kind: 'order_reserve',
    orderId: p.orderId,
    idemKey: `reserve:order:${p.orderId}:after:${p.postsDelivered}`,
    note: p.postsDelivered === 0n ? 'reserve for posts to come' : 'reserve topped up',
    now: p.now,
  });
  return after !== null;
}

/** The reserve an ending order still holds, back to the balance (the caller zeroes the column). */
export async function returnReserveInTx(tx: Executor, order: Order, now: number): Promise<void> {
  if (order.reserveUnits <= 0n) return;
  await creditInTx(tx, {
    userId: order.userId,
    amountUnits: order.reserveUnits,
    kind: 'order_reserve_return',
    orderId: order.id,
    idemKey: `reserve-return:order:${order.id}`,
    note: 'subscription ended: reserve returned',
    now,
  });
}

export type PostsPayment =
  | { kind: 'nothing_new' }
  /** More new posts than any subscription delivers between two checks: garbage, nothing charged. */
  | { kind: 'implausible'; already: bigint }
  | {
      kind: 'paid';
      fresh: bigint;
      paid: bigint;
      reserveUnits: bigint;
      /** The subscription must be stopped upstream: posts went unpaid or the reserve is empty. */
      stop: boolean;
    };

/**
 * Charge the posts delivered since the last check of a subscription without a post limit: the reserve
 * is taken back, as many new posts as the balance then pays for are charged in one debit, and (unless
 * the subscription `ended` in this same transaction) the reserve is set aside again. Every delivered
 * post is recorded as seen; unpaid ones are the panel's loss, reported by the caller.
 */
export async function payDeliveredPostsInTx(
  tx: Executor,
  order: Order,
  delivered: bigint,
  p: { ended: boolean; now: number },
): Promise<PostsPayment> {
  const already = BigInt(order.deliveredPosts ?? 0);
  if (delivered <= already) return { kind: 'nothing_new' };
  const fresh = delivered - already;
  if (fresh > BigInt(MAX_POSTS)) return { kind: 'implausible', already };
  const { now } = p;
  const perPost = chargeFor(order.rateUnits, order.quantity);
  if (order.reserveUnits > 0n) {
    await creditInTx(tx, {
      userId: order.userId,
      amountUnits: order.reserveUnits,
      kind: 'order_reserve_return',
      orderId: order.id,
      idemKey: `reserve-use:order:${order.id}:posts:${already + 1n}-${delivered}`,
      note: 'reserve pays delivered posts',
      now,
    });
  }
  let paid = fresh;
  if (perPost > 0n) {
    const user = await findUserById(tx, order.userId);
    const affordable = user ? user.balanceUnits / perPost : 0n;
    paid = fresh < affordable ? fresh : affordable;
    if (paid > 0n) {
      const after = await debitInTx(tx, {
        userId: order.userId,
        amountUnits: perPost * paid,
        kind: 'order_charge',
        orderId: order.id,
        idemKey: `charge:order:${order.id}:posts:${already + 1n}-${already + paid}`,
        note: `${paid} post(s) delivered`,
        now,
      });
      if (after === null) paid = 0n;
    }
  }
  const target = reserveFor(order.rateUnits, order.quantity);
  let reserveUnits = 0n;
  if (!p.ended && paid === fresh && target > 0n) {
    const taken = await takeReserveInTx(tx, {
      userId: order.userId,
      orderId: order.id,
      amountUnits: target,
      postsDelivered: delivered,
      now,
    });
    if (taken) reserveUnits = target;
  }
  await recordDeliveredPosts(tx, {
    orderId: order.id,
    addChargeUnits: perPost * paid,
    deliveredPosts: Number(delivered),
    reserveUnits,
  });
  const stop = !p.ended && perPost > 0n && (paid < fresh || reserveUnits < target);
  return { kind: 'paid', fresh, paid, reserveUnits, stop };
}
