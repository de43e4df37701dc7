/**
 * The API v2 face, a Fastify plugin mounted at `/api/v2` (with or without a trailing slash). Its rules
 * hold here and nowhere else: bodies are read leniently (form-urlencoded as the reference says, JSON,
 * text/plain, multipart, JSON labelled as a form), every answer is JSON with HTTP 200, errors
 * included, because real clients read the body and some break on 4xx/5xx; the other faces (web,
 * admin) use ordinary HTTP statuses.
 */
import { createHash } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../../accounts/authenticate-key.js';
import type { Executor } from '../../db/executor.js';
import { ACTIONS } from './actions.js';
import { errorBody, httpErrorMessage } from './errors.js';
import { RequestParams } from './params.js';

export interface ApiV2Options {
  db: Executor;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
}

function apiKeyOf(req: FastifyRequest): string | undefined {
  const fromBody = (req.body as Record<string, unknown> | undefined)?.key;
  const fromQuery = (req.query as Record<string, unknown> | undefined)?.key;
  const key = typeof fromBody === 'string' ? fromBody : fromQuery;
  return typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : undefined;
}

/**
 * Bodies are decoded by their shape as well as their content type: form-urlencoded (what every client
 * sends), JSON, and the same with a missing or wrong type (`fetch(url, { body: 'key=...' })` sends
 * text/plain; some clients send JSON labelled as a form). Repeated keys become arrays, which the API
 * answers as malformed parameters.
 */
function decodeBody(
  _req: unknown,
  body: string | Buffer,
  done: (err: Error | null, value?: unknown) => void,
) {
  const text = String(body).trim();
  if (text.startsWith('{')) {
    try {
      done(null, JSON.parse(text));
    } catch {
      done(null, {});
    }
    return;
  }
  done(null, parseQueryString(text));
}

export async function apiV2Plugin(app: FastifyInstance, opts: ApiV2Options): Promise<void> {
  const { db } = opts;

  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, decodeBody);
  app.addContentTypeParser('*', { parseAs: 'string' }, decodeBody);
  // PHP's curl with an array as CURLOPT_POSTFIELDS sends multipart/form-data: fields only, no files.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: opts.bodyLimitBytes, fields: 100, files: 0, parts: 100 },
  });

  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    max: opts.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per API key where one is sent (hashed, so the key itself is never held as a map key), else per IP.
    keyGenerator: (req) => {
      const key = apiKeyOf(req);
      return key ? `k:${createHash('sha256').update(key).digest('base64url').slice(0, 22)}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: `Too many requests, retry in ${Math.ceil(ctx.ttl / 1000)} seconds`,
    }),
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, message } = httpErrorMessage(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.code(200).header('content-type', 'application/json; charset=utf-8').send({ error: message });
  });
  // Any other method (PUT, DELETE, ...) and any path below /api/v2 is still an API answer: JSON, 200.
  app.setNotFoundHandler((_req, reply) => {
    reply.code(200).send(errorBody({ code: 'bad_request' }));
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/',
    config: { rateLimit: {} },
    handler: async (req) => {
      const params = RequestParams.from(req.query, req.body);
      const key = params.isMalformed('key') ? undefined : params.get('key');
      const auth = await authenticateApiKey({ db, key });
      if (!auth.ok) return errorBody(auth.failure);
      const action = params.isMalformed('action') ? undefined : params.get('action')?.trim();
      const run = action && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!run) return errorBody({ code: 'bad_request' });
      return run({ db, user: auth.value, params });
    },
  });
}
