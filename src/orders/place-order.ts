/**
 * Use case: a customer places an order. Validation happens first and changes nothing; then, in one
 * transaction, the order row is written and its charge debited by one conditional UPDATE. If the
 * balance does not cover the charge the transaction rolls back: a refused order takes nothing and
 * leaves nothing behind. A subscription without a post limit has no charge yet but debits its reserve
 * (orders/subscription-reserve.ts) the same way.
 *
 * With an idempotency key (the web form sends one per form), the same key from the same user places
 * one order: a repeat answers the order the first placed (a unique index backs this against two
 * requests in the same instant).
 */

import type { Service } from '../catalog/services.repo.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { debitInTx } from '../ledger/ledger.repo.js';
import { MoneyOverflowError } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type BatchOutcome, placeInBatch } from './order-batch.js';
import { type PricingFailure, priceOrderDraft } from './order-draft.js';
import type { Params } from './order-input.js';
import { findOrderByIdemKey, insertOrder, type NewOrder } from './orders.repo.js';
import { takeReserveInTx } from './subscription-reserve.js';

class InsufficientFunds extends Error {}

/**
 * How the order will be fulfilled: by hand (no provider), sent as it is, or (drip-feed on an upstream
 * service without drip-feed) split by the engine into one child order per run.
 */
function dispatchFields(service: Service, dripfeed: boolean, now: number) {
  if (service.providerId === null)
    return { dispatch_state: 'manual', provider_id: null, next_attempt_at: null };
  const split = dripfeed && !service.providerDripfeed;
  return { dispatch_state: split ? 'runs' : 'queued', provider_id: service.providerId, next_attempt_at: now };
}

export async function placeOrder(opts: {
  db: Executor;
  userId: number;
  serviceId: string | undefined;
  params: Params;
  /** One order per key and user: a repeat answers the first order (`repeated: true`). */
  idemKey?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { orderId: number; chargeUnits: bigint; repeated?: boolean },
    PricingFailure | FailureOf<'insufficient_funds'>
  >
> {
  const { db, userId, params, idemKey } = opts;
  const now = opts.now ?? Date.now();
  if (idemKey !== undefined) {
    const earlier = await findOrderByIdemKey(db, userId, idemKey);
    if (earlier) return ok({ orderId: earlier.id, chargeUnits: earlier.chargeUnits, repeated: true });
  }

  const priced = await priceOrderDraft({ db, userId, serviceId: opts.serviceId, params, now });
  if (!priced.ok) return priced;
  const { service, draft: d, chargeUnits, reserveUnits } = priced.value;

  const row: NewOrder = {
    user_id: userId,
    service_id: service.id,
    type: service.type,
    link: d.link,
    quantity: d.quantity,
    runs: d.runs,
    interval_minutes: d.intervalMinutes,
    params: d.params ? JSON.stringify(d.params) : null,
    rate_units: service.rateUnits,
    charge_units: chargeUnits,
    status: 'pending',
    remains: d.initialRemains,
    start_count: null,
    reserve_units: reserveUnits,
    created_at: now,
    updated_at: now,
    idem_key: idemKey ?? null,
    ...dispatchFields(service, d.runs !== null, now),
  };
  // An order with a plain charge goes in the next batch (order-batch.ts); a keyed or reserving one,
  // or one placed inside a caller's transaction, is written by itself as before.
  if (idemKey === undefined && reserveUnits === 0n && !db.isTransaction) {
    const placed = await placeInBatch(db, row, (o) => placeAlone(db, o, 0n));
    return placed.ok ? ok({ orderId: placed.orderId, chargeUnits }) : fail({ code: placed.code });
  }
  try {
    const placed = await placeAlone(db, row, reserveUnits);
    return placed.ok ? ok({ orderId: placed.orderId, chargeUnits }) : fail({ code: placed.code });
  } catch (err) {
    if (idemKey !== undefined && isUniqueViolation(err)) {
      // The same form arrived twice at once and the other request placed the order.
      const earlier = await findOrderByIdemKey(db, userId, idemKey);
      if (earlier) return ok({ orderId: earlier.id, chargeUnits: earlier.chargeUnits, repeated: true });
    }
    throw err;
  }
}

/**
 * One order in its own transaction: its row, then its charge and (a subscription per post) its
 * reserve, each a conditional debit. `insufficient_funds` when the balance does not cover them (nothing
 * written); an amount too large is answered as such. Other failures are thrown (placeOrder maps a
 * repeated idempotency key).
 */
async function placeAlone(db: Executor, row: NewOrder, reserveUnits: bigint): Promise<BatchOutcome> {
  const chargeUnits = BigInt(row.charge_units);
  try {
    const orderId = await inTransaction(db, async (tx) => {
      const id = await insertOrder(tx, row);
      if (chargeUnits > 0n) {
        const after = await debitInTx(tx, {
          userId: row.user_id,
          amountUnits: chargeUnits,
          kind: 'order_charge',
          orderId: id,
          idemKey: `charge:order:${id}`,
          now: Number(row.created_at),
        });
        if (after === null) throw new InsufficientFunds();
      }
      // A subscription charged per post sets its reserve aside now, like a charge: the balance that
      // pays for one post's reserve opens one such subscription, not five.
      if (reserveUnits > 0n) {
        const taken = await takeReserveInTx(tx, {
          userId: row.user_id,
          orderId: id,
          amountUnits: reserveUnits,
          postsDelivered: 0n,
          now: Number(row.created_at),
        });
        if (!taken) throw new InsufficientFunds();
      }
      return id;
    });
    return { ok: true, orderId };
  } catch (err) {
    if (err instanceof InsufficientFunds) return { ok: false, code: 'insufficient_funds' };
    if (err instanceof MoneyOverflowError) return { ok: false, code: 'amount_too_large' };
    throw err;
  }
}
