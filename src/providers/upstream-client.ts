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
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';

export interface UpstreamEndpoint {
  url: string;
  apiKey: string;
}

export type CallOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'not_sent'; error: string }
  /** The HTTP server answered but not as an API (404, 401, 403, a redirect): nothing was processed. */
  | { kind: 'http_refused'; error: string }
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

// Connections are kept alive for reads; an `add` opens a fresh one (see callUpstream).
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });

/** HTTP statuses that prove the call was not processed as an API call: wrong URL, no access, moved. */
function refusedAtHttpLevel(status: number): boolean {
  return (status >= 300 && status < 400) || [401, 403, 404, 405, 410].includes(status);
}

/**
 * POST one API v2 call (form-urlencoded, as every panel accepts).
 *
 * `freshConnection` opens a new connection instead of reusing a kept-alive one: a pooled socket the
 * upstream closed meanwhile fails with a reset after the request may have been written, which would
 * make an `add` look like an unknown outcome; on a fresh connection a refusal is a clean "not sent".
 */
export function callUpstream(
  endpoint: UpstreamEndpoint,
  params: Record<string, string | number>,
  timeoutMs = 30_000,
  options: { freshConnection?: boolean } = {},
): Promise<CallOutcome> {
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    return Promise.resolve({ kind: 'not_sent', error: 'invalid URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve({ kind: 'not_sent', error: 'invalid URL' });
  }
  const form = new URLSearchParams({ key: endpoint.apiKey });
  for (const [k, v] of Object.entries(params)) form.set(k, String(v));
  const body = form.toString();
  const secure = url.protocol === 'https:';
  return new Promise<CallOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: CallOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: options.freshConnection ? false : secure ? httpsAgent : httpAgent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            finish({ kind: 'unknown', error: 'answer too large' });
          } else chunks.push(chunk);
        });
        res.on('error', (err) =>
          finish({ kind: 'unknown', error: `reading the answer failed: ${errorCode(err) ?? 'error'}` }),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 500) return finish({ kind: 'unknown', error: `HTTP ${status}` });
          try {
            return finish({ kind: 'ok', body: JSON.parse(text) });
          } catch {
            const shown = text.slice(0, 80).replace(/\s+/g, ' ');
            if (refusedAtHttpLevel(status))
              return finish({ kind: 'http_refused', error: `HTTP ${status}: ${shown}` });
            if (status === 429)
              return finish({ kind: 'not_sent', error: `rate limited (HTTP 429): ${shown}` });
            return finish({ kind: 'unknown', error: `not JSON (HTTP ${status}): ${shown}` });
          }
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ kind: 'unknown', error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err) => {
      const code = errorCode(err);
      if (code && NOT_SENT_CODES.has(code)) finish({ kind: 'not_sent', error: `connection failed: ${code}` });
      else finish({ kind: 'unknown', error: `request failed: ${code ?? 'error'}` });
    });
    req.end(body);
  });
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
