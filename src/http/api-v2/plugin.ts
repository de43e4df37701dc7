/**
 * The API v2 face, a Fastify plugin mounted at `/api/v2` (with or without a trailing slash). Its rules
 * hold here and nowhere else: bodies are read leniently (form-urlencoded as the reference says, JSON,
 * text/plain, multipart, JSON labelled as a form), every answer is JSON with HTTP 200, errors
 * included, because real clients read the body and some break on 4xx/5xx; the other faces (web,
 * admin) use ordinary HTTP statuses.
 */
import { parse as parseQueryString } from 'node:querystring';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { authenticateApiKey } from '../../accounts/authenticate-key.js';
import type { User } from '../../accounts/users.repo.js';
import type { Executor } from '../../db/executor.js';
import { setLogFields } from '../log-fields.js';
import { ACTIONS, JsonText } from './actions.js';
import { errorBody, httpErrorMessage } from './errors.js';
import { RequestParams } from './params.js';
import { AccountFirstStore, rateLimitKey } from './rate-limit.js';

export interface ApiV2Options {
  db: Executor;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** Shared rate-limit counters (REDIS_URL); without it they are kept in this process. */
  redis?: Redis | undefined;
  /** Prefix of the counters' keys in Redis (one panel per prefix). */
  redisPrefix?: string | undefined;
}

interface ParsedRequest {
  params: RequestParams;
  user: User | null;
}

const parsedOf = (req: FastifyRequest) => (req as FastifyRequest & { apiV2?: ParsedRequest }).apiV2;

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

  // Who is calling is known before the limiter counts the request: an authenticated request counts
  // against its account, any other against its address (rate-limit.ts).
  app.addHook('preValidation', async (req) => {
    const params = RequestParams.from(req.query, req.body);
    const key = params.isMalformed('key') ? undefined : params.get('key');
    const auth = await authenticateApiKey({ db, key });
    (req as FastifyRequest & { apiV2?: ParsedRequest }).apiV2 = { params, user: auth.ok ? auth.value : null };
  });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    max: opts.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => rateLimitKey(parsedOf(req)?.user ?? null, req.ip),
    ...(opts.redis
      ? // A Redis that stops answering must not stop the API: requests are then served unlimited.
        { redis: opts.redis, nameSpace: opts.redisPrefix ?? 'smm-panel:rate:', skipOnError: true }
      : { store: AccountFirstStore }),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: `Too many requests, retry in ${Math.ceil(ctx.ttl / 1000)} seconds`,
    }),
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, message } = httpErrorMessage(err);
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      setLogFields(req, { outcome: 'internal' });
    }
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
    handler: async (req, reply) => {
      const parsed = parsedOf(req);
      if (!parsed?.user) {
        setLogFields(req, { outcome: 'invalid_key' });
        return errorBody({ code: 'invalid_key' });
      }
      const { params, user } = parsed;
      const action = params.isMalformed('action') ? undefined : params.get('action')?.trim();
      const run = action && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      setLogFields(req, { user: user.id, ...(run ? { action } : {}) });
      if (!run) return errorBody({ code: 'bad_request' });
      const answer = await run({ db, user, params });
      setLogFields(req, { outcome: isErrorAnswer(answer) ? 'error' : 'ok' });
      if (answer instanceof JsonText) {
        reply.type('application/json; charset=utf-8');
        return answer.text;
      }
      return answer;
    },
  });
}

/** An API v2 answer that refuses: `{error: …}` (a list answer, e.g. `services`, never is). */
function isErrorAnswer(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && !Array.isArray(answer) && 'error' in answer;
}
