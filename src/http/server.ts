/**
 * Building the HTTP server: the root Fastify instance (a logger that never prints secrets, routing,
 * health) and one plugin per face under its own prefix, each with its own body parsing and its own
 * map from failures to answers: API v2 at /api/v2 (lenient parsing, HTTP 200 for everything); the web
 * and admin faces get their own prefixes with ordinary HTTP statuses.
 */

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Executor } from '../db/executor.js';
import { apiV2Plugin } from './api-v2/plugin.js';

export interface ServerOptions {
  db: Executor;
  bodyLimitBytes?: number;
  rateLimitPerMinute?: number;
  /** Shares the rate-limit counters between processes (REDIS_URL). */
  redis?: Redis | undefined;
  /** Prefix of the rate-limit keys in Redis (default `smm-panel:rate:`). */
  redisPrefix?: string | undefined;
  logLevel?: string;
  /** Where log lines go (default: stdout); tests capture them here. */
  logStream?: NodeJS.WritableStream;
}

const SECRET_PARAM_RE = /^(?:key|password|api_key)(?:\[.*\])?$/i;

/** A query parameter's name as the query parser reads it: `k%65y` and `%6B%65%79` are `key`. */
function decodedParamName(raw: string): string {
  const plus = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/**
 * Mask secrets (key, password) in a URL's query string before it is logged. Each parameter's name is
 * compared decoded, as the API reads it: matching the raw text alone let `?k%65y=<key>` reach the log.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = decodedParamName(pair.slice(0, eq)).trim().replace(/^\?+/, '');
      return SECRET_PARAM_RE.test(name) ? `${pair.slice(0, eq)}=***` : pair;
    });
  return `${url.slice(0, q + 1)}${pairs.join('&')}`;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] =
    opts.logLevel === 'silent'
      ? false
      : {
          level: opts.logLevel ?? 'info',
          ...(opts.logStream ? { stream: opts.logStream } : {}),
          serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
          },
        };
  const bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
  const app = Fastify({
    logger,
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 200 },
    // A URL Fastify cannot route (bad percent-encoding) is answered before any face sees it: under
    // /api/v2 with the API's JSON and 200, elsewhere with a 400; its text, which may carry a key, is
    // never echoed back.
    frameworkErrors: (_err, req, reply) => {
      const api = /^\/api\/v2/i.test(req.url);
      (reply as unknown as FastifyReply)
        .code(api ? 200 : 400)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ error: 'Incorrect request' });
    },
    // Clients behind the panel's own proxy are told apart by their address; see docs/architecture.md.
    trustProxy: false,
  });

  // The panel's own error answers (outside the faces, which map their errors themselves): JSON with an
  // ordinary status, never a stack trace.
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.code(status).send({ error: status >= 500 ? 'Internal error' : (err as Error).message });
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: 'Not found' });
  });

  app.get('/health', async () => ({ ok: true }));
  await app.register(apiV2Plugin, {
    prefix: '/api/v2',
    db: opts.db,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 600,
    bodyLimitBytes: bodyLimit,
    redis: opts.redis,
    redisPrefix: opts.redisPrefix,
  });
  return app;
}
