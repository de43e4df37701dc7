/**
 * What an order would be and cost, without placing it: the service as the user sees it (their own
 * rate), the parsed parameters and the charge by money.ts. Shared by placeOrder and quoteOrder, so the
 * web form's live price and the charge taken are computed by the same code.
 */
import { findServiceAsSeenBy } from '../catalog/find-service.js';
import type { Service } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { parseId } from '../ids.js';
import { chargeFor, MoneyOverflowError } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type OrderDraft, type OrderInputFailure, type Params, parseOrderInput } from './order-input.js';
import { reserveFor } from './subscription-reserve.js';

/** What pricing an order can refuse (placing adds not enough funds). */
export type PricingFailure = OrderInputFailure | FailureOf<'unknown_service' | 'amount_too_large'>;

export interface PricedDraft {
  service: Service;
  draft: OrderDraft;
  /** Taken when the order is placed (0 for a subscription charged per post). */
  chargeUnits: bigint;
  /** One post's price for a subscription charged per post; 0 otherwise. */
  perPostUnits: bigint;
  /** Set aside when a subscription charged per post is placed (subscription-reserve.ts); 0 otherwise. */
  reserveUnits: bigint;
}

export async function priceOrderDraft(opts: {
  db: Executor;
  userId: number;
  serviceId: string | undefined;
  params: Params;
  now: number;
}): Promise<Result<PricedDraft, PricingFailure>> {
  const { db, userId, params, now } = opts;
  const serviceId = params.isMalformed('service') ? null : parseId(opts.serviceId);
  if (serviceId === null) return fail({ code: 'unknown_service' });
  const service = await findServiceAsSeenBy(db, serviceId, userId);
  if (!service || !service.enabled) return fail({ code: 'unknown_service' });

  const parsed = parseOrderInput(service, params, now);
  if (!parsed.ok) return parsed;
  const draft = parsed.value;

  // Every product of a rate and a quantity is checked here, the charge and (for a subscription charged
  // per post) one post's price and its reserve: an amount past 64 bits is "Amount too large", never an
  // internal error.
  let chargeUnits: bigint;
  let perPostUnits = 0n;
  let reserveUnits = 0n;
  try {
    chargeUnits = chargeFor(service.rateUnits, draft.chargeQuantity);
    if (service.type === 'Subscriptions' && typeof draft.params?.posts !== 'number') {
      perPostUnits = chargeFor(service.rateUnits, draft.quantity);
      reserveUnits = reserveFor(service.rateUnits, draft.quantity);
    }
  } catch (err) {
    if (err instanceof MoneyOverflowError) return fail({ code: 'amount_too_large' });
    throw err;
  }
  return ok({ service, draft, chargeUnits, perPostUnits, reserveUnits });
}
