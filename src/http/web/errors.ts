/**
 * The web face's one map from what went wrong to an answer: ordinary HTTP statuses and a JSON body
 * `{error, code}`. `error` is the English message (for order placement, refills and cancels exactly
 * API v2's, through failureMessage); `code` is the failure's code, which the browser's message
 * catalogue is keyed by.
 */
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type Failure, failureMessage } from '../../result.js';

export interface WebError {
  status: number;
  body: { error: string; code: string; params?: Record<string, string> };
}

/**
 * The failure's facts as strings (numbers and bigints written out in full), so the browser's
 * catalogue entry for the code can say the same sentence in another language. Nested facts are left
 * out: the failures that have them are the operator's, whose English text the browser shows as is.
 */
export function failureParams(f: Failure): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === 'code') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out[k] = String(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const STATUS: Partial<Record<Failure['code'], number>> = {
  no_session: 401,
  invalid_credentials: 401,
  signup_closed: 403,
  unknown_service: 404,
  unknown_order: 404,
  unknown_refill: 404,
  unknown_user: 404,
  unknown_ticket: 404,
  unknown_session: 404,
  ticket_closed: 409,
  user_exists: 409,
  email_taken: 409,
  reset_unavailable: 409,
  not_refillable: 409,
  refill_open: 409,
  not_cancelable: 409,
  cancel_requested: 409,
  insufficient_funds: 402,
  forbidden: 403,
  not_staff: 403,
  last_admin: 409,
  invalid_export_period: 400,
  export_period_too_long: 400,
  // The admin area's providers and alerts:
  unknown_provider: 404,
  unknown_alert: 404,
  provider_exists: 409,
  provider_in_use: 409,
  provider_disabled: 409,
  // A saved provider that did not answer (its balance, its services): the upstream's fault.
  provider_unreachable: 502,
  provider_refused: 502,
  provider_bad_answer: 502,
  not_in_review: 409,
  order_at_provider: 409,
  unknown_category: 404,
  category_exists: 409,
  two_factor_required: 403,
  invalid_two_factor_token: 401,
  two_factor_on: 409,
  two_factor_off: 409,
  two_factor_not_started: 409,
  // Payments:
  unknown_payment_method: 404,
  unknown_payment: 404,
  payment_not_pending: 409,
  payment_not_credited: 409,
  too_many_pending_payments: 409,
  public_url_needed: 409,
  // The gateway's fault, not the customer's input.
  payment_gateway_refused: 502,
  payment_gateway_unreachable: 502,
};

/** A use case's failure as the web face answers it; anything not listed is bad input (422). */
export function webFailure(f: Failure): WebError {
  const params = failureParams(f);
  return {
    status: STATUS[f.code] ?? 422,
    body: { error: failureMessage(f), code: f.code, ...(params ? { params } : {}) },
  };
}

/** Thrown by a route to answer a use case's failure (the error handler maps it). */
export class WebFailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.code);
  }
}

/** Answer with this failure: `if (!r.ok) failWith(r.failure)`. */
export function failWith(f: Failure): never {
  throw new WebFailureError(f);
}

/** Too many attempts: answered 429 with a Retry-After of `seconds`. */
export class TooManyAttempts extends Error {
  readonly statusCode = 429;
  constructor(readonly seconds: number) {
    super('too many attempts');
  }
}

/** An error thrown while reading or handling a request: bad body, CSRF, limits, faults. */
export function webErrorOf(err: unknown): WebError {
  if (err instanceof WebFailureError) return webFailure(err.failure);
  if (err instanceof TooManyAttempts)
    return {
      status: 429,
      body: {
        error: `Too many attempts, retry in ${err.seconds} seconds`,
        code: 'rate_limited',
        params: { seconds: String(err.seconds) },
      },
    };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const where = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    return {
      status: 400,
      body: {
        error: `Invalid request${where ? ` (${where})` : ''}: ${first?.message ?? 'bad input'}`,
        code: 'bad_request',
      },
    };
  }
  const e = err as { statusCode?: number; code?: string };
  if (typeof e.code === 'string' && e.code.startsWith('FST_CSRF_'))
    return {
      status: 403,
      body: { error: 'The form expired, reload the page and try again', code: 'csrf' },
    };
  const status = e.statusCode ?? 500;
  if (status === 429)
    return {
      status,
      body: { error: 'Too many attempts, wait a few minutes and retry', code: 'rate_limited' },
    };
  if (status === 413) return { status, body: { error: 'Request too large', code: 'too_large' } };
  if (status === 415)
    return {
      status,
      body: { error: 'Send JSON (content-type: application/json)', code: 'bad_content_type' },
    };
  if (status >= 500)
    return { status: 500, body: { error: 'Internal error, please retry later', code: 'internal' } };
  return { status, body: { error: 'Incorrect request', code: 'bad_request' } };
}
