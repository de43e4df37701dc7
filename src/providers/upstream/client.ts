/**
 * The client for an upstream panel's API v2. Nothing it answers is trusted: every response is parsed
 * against a schema here, and anything else (HTML, garbage, wrong types, missing fields) is reported as
 * a value, never thrown at the caller.
 *
 * The one distinction fulfilment depends on is whether a request may have reached the upstream:
 * - `not_sent`: the connection was refused or the host does not resolve; the request surely never
 *   left, so it may be retried;
 * - `unknown`: anything after the request may have been delivered (timeout, reset, 5xx, a body we
 *   cannot read): for an `add` the order may exist upstream, so it must not be sent again blindly;
 * - `empty`: the upstream answered with an empty body (HTTP 2xx): no answer at all, which for an `add`
 *   is as unknown as a timeout (classify.ts).
 *
 * The body is read as JSON whatever its content-type (SmartPanel-based panels serve JSON as text/html,
 * pretty-printed, after a newline) once a byte-order mark and surrounding whitespace are removed. The
 * answers' shapes are answers.ts's business.
 */
import http from 'node:http';
import https from 'node:https';
import { upstreamCalls, upstreamLatency } from '../../metrics/registry.js';

export interface UpstreamEndpoint {
  url: string;
  apiKey: string;
  /** The provider's name: the `provider` label of the call metrics (else the URL's host). */
  name?: string;
}

export type CallOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'not_sent'; error: string }
  /** The HTTP server answered but not as an API (404, 401, 403, a redirect): nothing was processed. */
  | { kind: 'http_refused'; error: string }
  | { kind: 'unknown'; error: string }
  /** HTTP 2xx with nothing in the body. */
  | { kind: 'empty'; error: string };

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

/** The body as text without a byte-order mark and surrounding whitespace (JSON.parse rejects a BOM). */
export function answerText(raw: Buffer | string): string {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  return text.replace(/^\uFEFF/, '').trim();
}

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
export async function callUpstream(
  endpoint: UpstreamEndpoint,
  params: Record<string, string | number>,
  timeoutMs = 30_000,
  options: { freshConnection?: boolean } = {},
): Promise<CallOutcome> {
  const started = performance.now();
  const outcome = await post(endpoint, params, timeoutMs, options);
  let provider = endpoint.name;
  if (provider === undefined) {
    try {
      provider = new URL(endpoint.url).host;
    } catch {
      provider = 'invalid URL';
    }
  }
  const action = String(params.action ?? 'none');
  upstreamCalls.inc({ provider, action, outcome: outcome.kind });
  upstreamLatency.observe({ provider, action }, (performance.now() - started) / 1000);
  return outcome;
}

function post(
  endpoint: UpstreamEndpoint,
  params: Record<string, string | number>,
  timeoutMs: number,
  options: { freshConnection?: boolean },
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
          const text = answerText(Buffer.concat(chunks));
          if (status >= 500) return finish({ kind: 'unknown', error: `HTTP ${status}` });
          if (text === '' && status >= 200 && status < 300)
            return finish({ kind: 'empty', error: `empty answer (HTTP ${status})` });
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
