/**
 * The API v2 endpoint: `/api/v2` (with or without a trailing slash), POST form-urlencoded as the
 * reference says, JSON bodies and GET query strings too. Every answer is JSON with HTTP 200, errors
 * included, because real clients read the body and some break on 4xx/5xx.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashApiKey } from '../../accounts/secrets.js';
import { findUserByKeyHash } from '../../accounts/users.repo.js';
import type { Executor } from '../../db/executor.js';
import { ACTIONS, errorBody } from './actions.js';
import { RequestParams } from './params.js';

export interface ApiV2Options {
  db: Executor;
  rateLimitPerMinute: number;
}

function apiKeyOf(req: FastifyRequest): string | undefined {
  const fromBody = (req.body as Record<string, unknown> | undefined)?.key;
  const fromQuery = (req.query as Record<string, unknown> | undefined)?.key;
  const key = typeof fromBody === 'string' ? fromBody : fromQuery;
  return typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : undefined;
}

export async function apiV2Routes(app: FastifyInstance, opts: ApiV2Options): Promise<void> {
  const { db } = opts;

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

  app.route({
    method: ['GET', 'POST'],
    url: '/api/v2',
    config: { rateLimit: {} },
    handler: async (req) => {
      const params = RequestParams.from(req.query, req.body);
      const key = params.isMalformed('key') ? undefined : params.get('key');
      if (!key || key.length > 200) return errorBody({ code: 'invalid_key' });
      const user = await findUserByKeyHash(db, hashApiKey(key));
      if (!user || user.disabled) return errorBody({ code: 'invalid_key' });
      const action = params.isMalformed('action') ? undefined : params.get('action')?.trim();
      const run = action && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!run) return errorBody({ code: 'bad_request' });
      return run({ db, user, params });
    },
  });
}
