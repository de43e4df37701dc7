/**
 * The client for an upstream panel's API v2. Nothing it answers is trusted: every response is parsed
 * against a schema here, and anything else (HTML, garbage, wrong types, missing fields) is reported as
 * a value, never thrown at the caller.
 *
 * The one distinction fulfilment depends on is whether a request may have reached the upstream:
 * - `not_sent`: the connection was refused or the host does not resolve; the request surely never
 *   left, so it may be retried;
 * - `unknown`: anything after the request may have been delivered (timeout, reset, 5xx, a body we
 *   cannot read): for an `add` the order may exist upstream, so it must not be sent again blindly.
 */
import { z } from 'zod';

export interface UpstreamEndpoint {
  url: string;
  apiKey: string;
}

export type CallOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'not_sent'; error: string }
  | { kind: 'unknown'; error: string };

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);
const MAX_BODY_BYTES = 8 * 1024 * 1024;

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** POST one API v2 call (form-urlencoded, as every panel accepts). */
export async function callUpstream(
  endpoint: UpstreamEndpoint,
  params: Record<string, string | number>,
  timeoutMs = 30_000,
): Promise<CallOutcome> {
  const form = new URLSearchParams({ key: endpoint.apiKey });
  for (const [k, v] of Object.entries(params)) form.set(k, String(v));
  let res: Response;
  try {
    res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const code = errorCode(err);
    if (code && NOT_SENT_CODES.has(code)) return { kind: 'not_sent', error: `connection failed: ${code}` };
    if (err instanceof TypeError && /invalid url/i.test(String(err.message)))
      return { kind: 'not_sent', error: 'invalid URL' };
    const name = (err as { name?: string }).name;
    return {
      kind: 'unknown',
      error:
        name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `request failed: ${code ?? name ?? 'error'}`,
    };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return { kind: 'unknown', error: `reading the answer failed: ${errorCode(err) ?? 'error'}` };
  }
  if (text.length > MAX_BODY_BYTES) return { kind: 'unknown', error: 'answer too large' };
  if (res.status >= 500) return { kind: 'unknown', error: `HTTP ${res.status}` };
  try {
    return { kind: 'ok', body: JSON.parse(text) };
  } catch {
    return {
      kind: 'unknown',
      error: `not JSON (HTTP ${res.status}): ${text.slice(0, 80).replace(/\s+/g, ' ')}`,
    };
  }
}

/** An integer given as a number or a numeric string, as panels variously send. */
const intLike = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\s*\d{1,18}\s*$/)])
  .transform((v) => BigInt(String(v).trim()));
const signedIntLike = z
  .union([z.number().int(), z.string().regex(/^\s*-?\d{1,18}\s*$/)])
  .transform((v) => BigInt(String(v).trim()));
const idLike = z
  .union([z.number().int().positive(), z.string().regex(/^\s*[A-Za-z0-9_-]{1,64}\s*$/)])
  .transform((v) => String(v).trim());
const decimalLike = z
  .union([z.number().nonnegative().finite(), z.string().regex(/^\s*\d{1,18}(\.\d{1,30})?\s*$/)])
  .transform((v) => String(v).trim());
const errorShape = z.object({ error: z.string().min(1).max(2000) });

export const addAnswer = z.union([z.object({ order: idLike }), errorShape]);

export const UPSTREAM_STATUSES = [
  'Pending',
  'Processing',
  'In progress',
  'Completed',
  'Partial',
  'Canceled',
  'Refunded',
  // Subscriptions
  'Active',
  'Paused',
  'Expired',
] as const;
export type UpstreamStatusName = (typeof UPSTREAM_STATUSES)[number];
const statusName = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.enum(UPSTREAM_STATUSES));

export const orderStatusAnswer = z.object({
  status: statusName,
  remains: signedIntLike.optional(),
  start_count: signedIntLike.nullish().catch(null),
  charge: decimalLike.nullish().catch(null),
  posts: intLike.nullish().catch(null),
});
export type UpstreamOrderStatus = z.infer<typeof orderStatusAnswer>;

export const balanceAnswer = z.object({ balance: decimalLike, currency: z.string().max(10).optional() });

const flag = z
  .union([z.boolean(), z.number(), z.string()])
  .optional()
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');
export const serviceAnswer = z.object({
  service: idLike,
  name: z.string().max(500),
  type: z.string().max(100).optional().default('Default'),
  category: z.string().max(300).optional().default('Other'),
  rate: decimalLike,
  min: intLike,
  max: intLike,
  dripfeed: flag,
  refill: flag,
  cancel: flag,
  description: z.string().max(5000).optional().catch(undefined),
});
export type UpstreamService = z.infer<typeof serviceAnswer>;

export const refillAnswer = z.union([z.object({ refill: idLike }), errorShape]);
export const refillStatusName = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['pending', 'in progress', 'processing', 'completed', 'rejected', 'canceled', 'error']));

/** Parse `value` against `schema`, turning a mismatch into a short description for the operator. */
export function parseAnswer<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; error: string } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const shown = JSON.stringify(value)?.slice(0, 120) ?? String(value);
  return { ok: false, error: `unexpected answer: ${shown}` };
}
