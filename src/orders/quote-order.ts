/**
 * Use case: what an order would cost, without placing it (the web form's live price). The same
 * validation and money rules as placeOrder (order-draft.ts), so a quote refuses what placing would
 * refuse, with the same failure, except that the balance is not checked (for the charge or a reserve).
 */
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import type { Result } from '../result.js';
import { ok } from '../result.js';
import { type PricingFailure, priceOrderDraft } from './order-draft.js';
import type { Params } from './order-input.js';

export interface OrderQuote {
  /** Exact, in the panel currency: what placing the order takes now. */
  charge: string;
  /** For a subscription charged per post: what each post will cost; otherwise null. */
  perPost: string | null;
  /** For a subscription charged per post: what placing it sets aside (returned when it ends). */
  reserve: string | null;
  /** The quantity charged for (all runs of a drip-feed, posts × max of a subscription). */
  chargedQuantity: string;
}

export async function quoteOrder(opts: {
  db: Executor;
  userId: number;
  serviceId: string | undefined;
  params: Params;
  now?: number;
}): Promise<Result<OrderQuote, PricingFailure>> {
  const priced = await priceOrderDraft({ ...opts, now: opts.now ?? Date.now() });
  if (!priced.ok) return priced;
  const { chargeUnits, perPostUnits, reserveUnits, draft } = priced.value;
  return ok({
    charge: formatAmount(chargeUnits),
    perPost: perPostUnits > 0n ? formatAmount(perPostUnits) : null,
    reserve: reserveUnits > 0n ? formatAmount(reserveUnits) : null,
    chargedQuantity: draft.chargeQuantity.toString(),
  });
}
