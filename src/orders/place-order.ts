/**
 * Use case: a customer places an order. Validation happens first and changes nothing; then, in one
 * transaction, the order row is written and its charge debited by one conditional UPDATE. If the
 * balance does not cover the charge the transaction rolls back: a refused order takes nothing and
 * leaves nothing behind. A subscription without a post limit has no charge yet but debits its reserve
 * (orders/subscription-reserve.ts) the same way.
 */

import { findService, type Service } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { parseId } from '../ids.js';
import { debitInTx } from '../ledger/ledger.repo.js';
import { chargeFor, MoneyOverflowError } from '../money.js';
import { fail, ok, type Result } from '../result.js';
import { type Params, parseOrderInput } from './order-input.js';
import { insertOrder } from './orders.repo.js';
import { reserveFor, takeReserveInTx } from './subscription-reserve.js';

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
  now?: number;
}): Promise<Result<{ orderId: number; chargeUnits: bigint }>> {
  const { db, userId, params } = opts;
  const now = opts.now ?? Date.now();
  const serviceId = params.isMalformed('service') ? null : parseId(opts.serviceId);
  if (serviceId === null) return fail({ code: 'unknown_service' });
  const service = await findService(db, serviceId, userId);
  if (!service || !service.enabled) return fail({ code: 'unknown_service' });

  const draft = parseOrderInput(service, params, now);
  if (!draft.ok) return draft;
  const d = draft.value;

  // Every product of a rate and a quantity is checked here, the charge and (for a subscription charged
  // per post) its reserve: an amount past 64 bits is "Amount too large", never an internal error.
  let chargeUnits: bigint;
  let reserveUnits = 0n;
  try {
    chargeUnits = chargeFor(service.rateUnits, d.chargeQuantity);
    if (service.type === 'Subscriptions' && typeof d.params?.posts !== 'number')
      reserveUnits = reserveFor(service.rateUnits, d.quantity);
  } catch (err) {
    if (err instanceof MoneyOverflowError) return fail({ code: 'amount_too_large' });
    throw err;
  }

  try {
    const orderId = await inTransaction(db, async (tx) => {
      const id = await insertOrder(tx, {
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
        ...dispatchFields(service, d.runs !== null, now),
      });
      if (chargeUnits > 0n) {
        const after = await debitInTx(tx, {
          userId,
          amountUnits: chargeUnits,
          kind: 'order_charge',
          orderId: id,
          idemKey: `charge:order:${id}`,
          now,
        });
        if (after === null) throw new InsufficientFunds();
      }
      // A subscription charged per post sets its reserve aside now, like a charge: the balance that
      // pays for one post's reserve opens one such subscription, not five.
      if (reserveUnits > 0n) {
        const taken = await takeReserveInTx(tx, {
          userId,
          orderId: id,
          amountUnits: reserveUnits,
          postsDelivered: 0n,
          now,
        });
        if (!taken) throw new InsufficientFunds();
      }
      return id;
    });
    return ok({ orderId, chargeUnits });
  } catch (err) {
    if (err instanceof InsufficientFunds) return fail({ code: 'insufficient_funds' });
    if (err instanceof MoneyOverflowError) return fail({ code: 'amount_too_large' });
    throw err;
  }
}
