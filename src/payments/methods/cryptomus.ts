/**
 * Cryptomus (crypto invoices): https://doc.cryptomus.com, the merchant "payments" API.
 *
 * - Requests: POST JSON to `${apiUrl}/v1/payment` (create) and `${apiUrl}/v1/payment/info` (status),
 *   with the headers `merchant: <merchant uuid>` and `sign: md5(base64(body) + apiKey)` (hex), where
 *   body is the exact JSON text sent.
 * - Answers: `{"state":0,"result":{...}}`; refusals `{"state":1,"message":"...","errors":{...}}` with
 *   an HTTP 4xx. No answer, a 5xx, a redirect or text that is not the expected JSON: unreachable.
 * - Callbacks: a POST whose JSON body carries `sign` = md5(base64(json_encode(body without sign)) +
 *   apiKey), json_encode being PHP's (it writes "/" as "\/" and every non-ASCII character as \uXXXX).
 *   The body is parsed, `sign` removed, the rest serialised again in its key order with PHP's escaping,
 *   and hashed (the serialisation without PHP's escaping is accepted too: some senders do not escape).
 *   A JS object puts integer-like keys first, so a body with such keys would not verify; Cryptomus's
 *   keys are all words.
 *
 * Amounts from Cryptomus are decimal strings that may carry more decimals than our 7 (crypto amounts
 * have 8 or more): they are truncated to 10^-7, never refused (`gatewayAmount`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseId } from '../../ids.js';
import { parseAmount, SCALE } from '../../money.js';
import type {
  CallbackOutcome,
  CreateOutcome,
  GatewayOutcome,
  GatewayUpdate,
  MethodSettings,
  PaymentMethodModule,
  QueryOutcome,
} from './method.js';

const DEFAULT_API_URL = 'https://api.cryptomus.com';
const DEFAULT_LIFETIME = 3600;
const MIN_LIFETIME = 300;
const MAX_LIFETIME = 43200;
/** 0.01 of a currency, in units. */
const CENT = SCALE / 100n;
const MAX_MESSAGE = 500;

// ---------------------------------------------------------------------------------------------
// Amounts

const DECIMAL_RE = /^(\d{1,19})(?:\.(\d{1,40}))?$/;

/** A non-negative decimal as an exact fraction `num / 10^decimals`, or null. */
function exactDecimal(v: unknown): { num: bigint; den: bigint } | null {
  const text =
    typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : null;
  if (text === null) return null;
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  const den = 10n ** BigInt(frac.length);
  return { num: BigInt(m[1] ?? '0') * den + BigInt(frac || '0'), den };
}

/** A gateway amount in units of 10^-7, extra decimals truncated (not refused); null when not a decimal. */
function gatewayAmount(v: unknown): bigint | null {
  const text =
    typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : null;
  if (text === null) return null;
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const frac = (m[2] ?? '').slice(0, 7);
  return parseAmount(frac ? `${m[1]}.${frac}` : (m[1] ?? ''));
}

/** Units as the 2-decimal string Cryptomus takes ("10.00"); null unless a positive whole number of cents. */
function centsText(units: bigint): string | null {
  if (units <= 0n || units % CENT !== 0n) return null;
  const cents = units / CENT;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

const floorToCent = (units: bigint): bigint => (units / CENT) * CENT;

// ---------------------------------------------------------------------------------------------
// Statuses and the conversion rule

const OUTCOMES: Record<string, GatewayOutcome> = {
  paid: 'paid',
  paid_over: 'paid',
  wrong_amount: 'underpaid',
  cancel: 'expired',
  fail: 'failed',
  system_fail: 'failed',
  refund_process: 'refunded',
  refund_fail: 'refunded',
  refund_paid: 'refunded',
};

/** check, process, confirm_check, wrong_amount_waiting, locked and any word we do not know: waiting. */
function outcomeOf(status: string): GatewayOutcome {
  return OUTCOMES[status] ?? 'waiting';
}

interface Figures {
  status: string;
  /** A: the invoice's amount, in units of the invoice currency. */
  amount: bigint | null;
  currency: string | null;
  /** P: what the payer paid, in payer_currency. */
  paymentAmount: unknown;
  /** Q: what the payer was asked to pay, in payer_currency. */
  payerAmount: unknown;
  payerCurrency: string | null;
}

/**
 * What was received, in units of the invoice's currency (GatewayUpdate.receivedUnits). The invoice's
 * amount A is in the invoice currency; the payer paid P (payment_amount) in payer_currency where the
 * planned amount was Q (payer_amount, same currency):
 * - `paid`: A exactly;
 * - `paid_over`, `wrong_amount` (underpaid), and any waiting status with P > 0: A × P / Q rounded down
 *   to 0.01 when P and Q are given and Q > 0; otherwise P rounded down to 0.01 when payer_currency is
 *   the invoice currency; otherwise null (cannot be told). `paid_over` is never less than A (also when
 *   the figures cannot tell more: Cryptomus says at least A arrived). A waiting status with P = 0: 0;
 *   without P: null;
 * - expired, failed, refunded: 0 when P is given and 0, else null.
 * Exact bigint fractions throughout; only the final division rounds (down).
 */
function receivedUnits(f: Figures, outcome: GatewayOutcome): bigint | null {
  const A = f.amount;
  const P = exactDecimal(f.paymentAmount);
  if (outcome === 'expired' || outcome === 'failed' || outcome === 'refunded') {
    return P !== null && P.num === 0n ? 0n : null;
  }
  if (f.status === 'paid') return A;
  const over = f.status === 'paid_over';
  if (outcome === 'waiting') {
    if (P === null) return null;
    if (P.num === 0n) return 0n;
  }
  let got: bigint | null = null;
  const Q = exactDecimal(f.payerAmount);
  if (A !== null && P !== null && Q !== null && Q.num > 0n) {
    // A × (P.num / P.den) / (Q.num / Q.den)
    got = floorToCent((A * P.num * Q.den) / (P.den * Q.num));
  } else if (
    P !== null &&
    f.payerCurrency !== null &&
    f.currency !== null &&
    f.payerCurrency === f.currency
  ) {
    got = floorToCent((P.num * SCALE) / P.den);
  }
  if (over && A !== null && (got === null || got < A)) return A;
  return got;
}

// ---------------------------------------------------------------------------------------------
// Answers and callbacks (validated)

const text = z.string().max(2000);
const amountLike = z.union([z.string().max(100), z.number()]).nullish();
const codeLike = z.string().trim().min(1).max(20).nullish();

/** The fields of a payment as callbacks and info answers carry them (unknown ones pass through). */
const paymentShape = z.looseObject({
  uuid: z.string().trim().min(1).max(100),
  order_id: z.union([text, z.number()]).nullish(),
  amount: amountLike,
  currency: codeLike,
  payment_amount: amountLike,
  payer_amount: amountLike,
  payer_currency: codeLike,
  status: z.string().trim().min(1).max(100).nullish(),
  payment_status: z.string().trim().min(1).max(100).nullish(),
});

type PaymentShape = z.infer<typeof paymentShape>;

function toUpdate(p: PaymentShape, status: string): GatewayUpdate {
  const orderId = p.order_id === null || p.order_id === undefined ? undefined : String(p.order_id);
  const figures: Figures = {
    status,
    amount: gatewayAmount(p.amount),
    currency: p.currency ?? null,
    paymentAmount: p.payment_amount,
    payerAmount: p.payer_amount,
    payerCurrency: p.payer_currency ?? null,
  };
  const outcome = outcomeOf(status);
  return {
    gatewayRef: p.uuid,
    paymentId: parseId(orderId),
    status,
    outcome,
    amountUnits: figures.amount,
    currency: figures.currency,
    receivedUnits: receivedUnits(figures, outcome),
  };
}

const invoiceResult = z.looseObject({
  uuid: z.string().trim().min(1).max(100),
  url: z
    .string()
    .max(2000)
    .refine((u) => {
      try {
        const p = new URL(u).protocol;
        return p === 'https:' || p === 'http:';
      } catch {
        return false;
      }
    }, 'not an http(s) URL'),
  expired_at: z.number().int().positive().nullish(),
});

const okAnswer = z.looseObject({ state: z.literal(0), result: z.unknown() });
const refusalAnswer = z.looseObject({
  state: z.number().optional(),
  message: z.string().optional(),
  errors: z.unknown().optional(),
});

// ---------------------------------------------------------------------------------------------
// Signing

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
const signText = (body: string, apiKey: string): string =>
  md5(Buffer.from(body, 'utf8').toString('base64') + apiKey);

/**
 * JSON.stringify's text written as PHP's json_encode writes it: "\/" and \uXXXX (lower-case hex) for
 * every UTF-16 unit from U+0080 up (so a character beyond U+FFFF becomes its surrogate pair). DEL
 * (U+007F) stays as it is: PHP escapes only non-ASCII. Both escapes can only occur inside strings.
 */
function phpEscape(json: string): string {
  return json.replace(/[/\u0080-\uffff]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// HTTP

type Call =
  | { kind: 'ok'; result: unknown; raw: string }
  | { kind: 'refused'; httpStatus: number; message: string; raw: string }
  | { kind: 'unreachable'; message: string };

function refusalMessage(httpStatus: number, answer: z.infer<typeof refusalAnswer>): string {
  let msg = answer.message?.trim() || `HTTP ${httpStatus}`;
  if (answer.errors && typeof answer.errors === 'object') {
    const parts = Object.entries(answer.errors as Record<string, unknown>).map(
      ([k, v]) => `${k}: ${Array.isArray(v) ? v.map(String).join(' ') : String(v)}`,
    );
    if (parts.length > 0) msg += ` (${parts.join('; ')})`;
  }
  return msg.slice(0, MAX_MESSAGE);
}

async function call(
  settings: MethodSettings,
  path: string,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<Call> {
  const base = settings.config.apiUrl || DEFAULT_API_URL;
  const body = JSON.stringify(payload);
  let res: Response;
  let raw: string;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        merchant: settings.config.merchant ?? '',
        sign: signText(body, settings.secrets.apiKey ?? ''),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    raw = await res.text();
  } catch (err) {
    const e = err as Error;
    const why =
      e.name === 'TimeoutError' || e.name === 'AbortError' ? `timeout after ${timeoutMs} ms` : e.message;
    return { kind: 'unreachable', message: `Cryptomus unreachable: ${why}`.slice(0, MAX_MESSAGE) };
  }
  if (res.status >= 500) return { kind: 'unreachable', message: `Cryptomus answered HTTP ${res.status}` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {
      kind: 'unreachable',
      message: `Cryptomus answered HTTP ${res.status} with text that is not JSON`,
    };
  }
  if (res.status >= 200 && res.status < 300) {
    const ok = okAnswer.safeParse(json);
    if (ok.success) return { kind: 'ok', result: ok.data.result, raw };
  }
  const refusal = refusalAnswer.safeParse(json);
  if (refusal.success && (refusal.data.state === 1 || (res.status >= 400 && res.status < 500))) {
    return {
      kind: 'refused',
      httpStatus: res.status,
      message: refusalMessage(res.status, refusal.data),
      raw,
    };
  }
  return { kind: 'unreachable', message: `Cryptomus answered HTTP ${res.status} with an unexpected answer` };
}

// ---------------------------------------------------------------------------------------------
// Settings

function parseApiUrl(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username || u.password) {
    return null;
  }
  return v.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------

export const cryptomus: PaymentMethodModule = {
  kind: 'cryptomus',
  label: 'Cryptomus (crypto)',
  automatic: true,
  fields: [
    { name: 'merchant', label: 'Merchant UUID', secret: false, required: true },
    { name: 'apiKey', label: 'Payment API key', secret: true, required: true },
    { name: 'apiUrl', label: 'API URL', secret: false, required: false, hint: `default ${DEFAULT_API_URL}` },
    {
      name: 'lifetime',
      label: 'Invoice lifetime (seconds)',
      secret: false,
      required: false,
      hint: `${MIN_LIFETIME} to ${MAX_LIFETIME}, default ${DEFAULT_LIFETIME}`,
    },
  ],

  parseSettings(input, previous) {
    const merchant = (input.merchant ?? '').trim();
    if (merchant === '') return { ok: false, field: 'merchant', message: 'Merchant UUID is required' };
    if (merchant.length > 100) {
      return { ok: false, field: 'merchant', message: 'Merchant UUID is too long (at most 100 characters)' };
    }
    let apiKey = (input.apiKey ?? '').trim();
    if (apiKey === '') apiKey = previous?.secrets.apiKey ?? '';
    if (apiKey === '') return { ok: false, field: 'apiKey', message: 'Payment API key is required' };
    if (apiKey.length > 1000) return { ok: false, field: 'apiKey', message: 'Payment API key is too long' };
    const urlText = (input.apiUrl ?? '').trim();
    const apiUrl = urlText === '' ? DEFAULT_API_URL : parseApiUrl(urlText);
    if (apiUrl === null) {
      return { ok: false, field: 'apiUrl', message: 'API URL must be an http(s) URL without a query' };
    }
    const lifetimeText = (input.lifetime ?? '').trim();
    let lifetime = DEFAULT_LIFETIME;
    if (lifetimeText !== '') {
      const n = /^\d{1,6}$/.test(lifetimeText) ? Number(lifetimeText) : Number.NaN;
      if (!(n >= MIN_LIFETIME && n <= MAX_LIFETIME)) {
        return {
          ok: false,
          field: 'lifetime',
          message: `Invoice lifetime must be a whole number of seconds from ${MIN_LIFETIME} to ${MAX_LIFETIME}`,
        };
      }
      lifetime = n;
    }
    return {
      ok: true,
      settings: { config: { merchant, apiUrl, lifetime: String(lifetime) }, secrets: { apiKey } },
    };
  },

  async create(input): Promise<CreateOutcome> {
    const amount = centsText(input.amountUnits);
    if (amount === null) {
      // Never sent: Cryptomus takes 2 decimals, and rounding an amount asked is not ours to do here.
      return { kind: 'refused', message: 'the amount is not a positive whole number of cents', raw: '' };
    }
    const stored = Number(input.config.lifetime);
    const lifetime =
      Number.isInteger(stored) && stored >= MIN_LIFETIME && stored <= MAX_LIFETIME
        ? stored
        : DEFAULT_LIFETIME;
    const answer = await call(
      input,
      '/v1/payment',
      {
        amount,
        currency: input.currency,
        order_id: String(input.paymentId),
        url_callback: input.callbackUrl,
        url_return: input.returnUrl,
        url_success: input.returnUrl,
        lifetime,
        is_payment_multiple: true,
      },
      input.timeoutMs,
    );
    if (answer.kind === 'unreachable') return answer;
    if (answer.kind === 'refused') return { kind: 'refused', message: answer.message, raw: answer.raw };
    const inv = invoiceResult.safeParse(answer.result);
    if (!inv.success) {
      return { kind: 'unreachable', message: 'Cryptomus answered state 0 without a usable invoice' };
    }
    return {
      kind: 'invoice',
      gatewayRef: inv.data.uuid,
      payUrl: inv.data.url,
      expiresAt: inv.data.expired_at ? inv.data.expired_at * 1000 : null,
      raw: answer.raw,
    };
  },

  verifyCallback(req, settings): CallbackOutcome {
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody);
    } catch {
      return { kind: 'malformed', reason: 'not JSON' };
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return { kind: 'malformed', reason: 'not a JSON object' };
    }
    const { sign, ...rest } = body as Record<string, unknown>;
    const apiKey = settings.secrets.apiKey ?? '';
    if (typeof sign !== 'string' || !/^[0-9a-fA-F]{32}$/.test(sign) || apiKey === '') {
      return { kind: 'bad_signature' };
    }
    const given = sign.toLowerCase();
    const plain = JSON.stringify(rest);
    const php = phpEscape(plain);
    // Both compared every time (no early exit on the first match).
    const okPhp = sameHex(signText(php, apiKey), given);
    const okPlain = sameHex(signText(plain, apiKey), given);
    if (!okPhp && !okPlain) return { kind: 'bad_signature' };
    if (rest.type !== undefined && rest.type !== 'payment') {
      return { kind: 'malformed', reason: 'wallet callbacks are not used' };
    }
    const p = paymentShape.safeParse(rest);
    if (!p.success) return { kind: 'malformed', reason: 'uuid or a field is missing or invalid' };
    const status = p.data.status ?? p.data.payment_status;
    if (!status) return { kind: 'malformed', reason: 'status is missing' };
    return { kind: 'update', update: toUpdate(p.data, status) };
  },

  async queryStatus(ref, settings): Promise<QueryOutcome> {
    const answer = await call(settings, '/v1/payment/info', { uuid: ref.gatewayRef }, settings.timeoutMs);
    if (answer.kind === 'unreachable') return answer;
    if (answer.kind === 'refused') {
      if (answer.httpStatus === 404 || /not found/i.test(answer.message)) {
        return { kind: 'unknown', raw: answer.raw };
      }
      // QueryOutcome has no refusal: a refusal (wrong key, say) tells nothing about the invoice.
      return { kind: 'unreachable', message: `Cryptomus refused: ${answer.message}` };
    }
    const p = paymentShape.safeParse(answer.result);
    const status = p.success ? (p.data.payment_status ?? p.data.status) : null;
    if (!p.success || !status) {
      return { kind: 'unreachable', message: 'Cryptomus answered state 0 without a usable payment' };
    }
    if (p.data.uuid !== ref.gatewayRef) {
      return { kind: 'unreachable', message: 'Cryptomus answered about another invoice' };
    }
    return { kind: 'update', update: toUpdate(p.data, status), raw: answer.raw };
  },
};
