/**
 * Expected outcomes are values, faults are exceptions. Every use case returns a Result whose failure is
 * a Failure: a code plus the few facts the message needs. http/api-v2/errors.ts is the one place that
 * turns a Failure into the API's error string; the CLI shows the same strings.
 */
import { type ServiceRule, serviceRuleMessage } from './catalog/service-rules.js';

export type Failure =
  | { code: 'invalid_key' }
  | { code: 'bad_request' }
  | { code: 'unknown_service' }
  | { code: 'unknown_order' }
  | { code: 'unknown_refill' }
  | { code: 'unknown_user' }
  | { code: 'unknown_alert' }
  | { code: 'invalid_username' }
  | { code: 'user_exists'; username: string }
  | { code: 'negative_amount' }
  | { code: 'zero_amount' }
  | { code: 'invalid_service'; rule: ServiceRule; type?: string }
  | { code: 'missing_param'; param: string }
  | { code: 'invalid_param'; param: string }
  | { code: 'quantity_below_min'; min: bigint }
  | { code: 'quantity_above_max'; max: bigint }
  | { code: 'dripfeed_unsupported' }
  | { code: 'insufficient_funds' }
  | { code: 'not_refillable' }
  | { code: 'refill_open' }
  | { code: 'not_cancelable' }
  | { code: 'cancel_requested' }
  | { code: 'too_many_ids'; max: number }
  | { code: 'amount_too_large' }
  | { code: 'conflict'; message: string }
  | { code: 'invalid'; message: string }
  // Operator tools (CLI, admin):
  | { code: 'unknown_provider' }
  | { code: 'invalid_send_limit'; min: number; max: number }
  | { code: 'provider_disabled'; providerId: number }
  | { code: 'provider_in_use'; openOrders: number; services: number }
  | { code: 'provider_check_failed'; reason: string }
  | { code: 'order_at_provider'; orderId: number; dispatchState: string }
  | { code: 'weak_password'; minLength: number };

/**
 * A use case's outcome. `F` names the failures it can return (a subset of Failure), so a face handles
 * exactly those: `Result<Order, FailureOf<'unknown_order' | 'conflict'>>`.
 */
export type Result<T, F extends Failure = Failure> = { ok: true; value: T } | { ok: false; failure: F };

/** The Failure variants with these codes. */
export type FailureOf<C extends Failure['code']> = Extract<Failure, { code: C }>;

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <F extends Failure>(failure: F): { ok: false; failure: F } => ({ ok: false, failure });

/** The message shown to clients and operators for each failure. */
export function failureMessage(f: Failure): string {
  switch (f.code) {
    case 'invalid_key':
      return 'Invalid API key';
    case 'bad_request':
      return 'Incorrect request';
    case 'unknown_service':
      return 'Incorrect service ID';
    case 'unknown_order':
      return 'Incorrect order ID';
    case 'unknown_refill':
      return 'Refill not found';
    case 'unknown_user':
      return 'User not found';
    case 'unknown_alert':
      return 'no open alert with that id';
    case 'invalid_username':
      return 'username must be 3-64 characters of letters, digits, _ . -';
    case 'user_exists':
      return `user ${f.username} already exists`;
    case 'negative_amount':
      return 'balance cannot be negative';
    case 'zero_amount':
      return 'amount must not be zero';
    case 'invalid_service':
      return serviceRuleMessage(f.rule, f.type);
    case 'missing_param':
      return `Missing parameter: ${f.param}`;
    case 'invalid_param':
      return `Incorrect ${f.param}`;
    case 'quantity_below_min':
      return `Quantity less than minimal ${f.min}`;
    case 'quantity_above_max':
      return `Quantity more than maximal ${f.max}`;
    case 'dripfeed_unsupported':
      return 'Drip-feed is not available for this service';
    case 'insufficient_funds':
      return 'Not enough funds on balance';
    case 'not_refillable':
      return 'Order cannot be refilled';
    case 'refill_open':
      return 'Refill already requested for this order';
    case 'not_cancelable':
      return 'Order cannot be canceled';
    case 'cancel_requested':
      return 'Cancellation already requested for this order';
    case 'too_many_ids':
      return `Too many IDs (maximum ${f.max})`;
    case 'amount_too_large':
      return 'Amount too large';
    case 'conflict':
    case 'invalid':
      return f.message;
    case 'unknown_provider':
      return 'Provider not found';
    case 'provider_disabled':
      return `provider ${f.providerId} is disabled (smm-panel providers enable)`;
    case 'invalid_send_limit':
      return `send limit must be a whole number from ${f.min} to ${f.max}`;
    case 'provider_in_use':
      return `provider is still used by ${f.openOrders} open order(s) and ${f.services} service(s)`;
    case 'provider_check_failed':
      return `provider check failed: ${f.reason}`;
    case 'order_at_provider':
      return `order ${f.orderId} is with its provider (${f.dispatchState}); the engine settles it (use --force to override, or orders review)`;
    case 'weak_password':
      return `password must be at least ${f.minLength} characters`;
  }
}
