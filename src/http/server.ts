/**
 * Building the HTTP server: Fastify with the content types real clients send, a logger that never
 * prints secrets, and an error handler that keeps every answer JSON with HTTP 200 (the API's contract),
 * so no input a client can send produces a 5xx.
 */

import { parse as parseQueryString } from 'node:querystring';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Executor } from '../accounts/users.repo.js';
import { apiV2Routes } from './api-v2/routes.js';

export interface ServerOptions {
  db: Executor;
  bodyLimitBytes?: number;
  rateLimitPerMinute?: number;
  logLevel?: string;
  /** Where log lines go (default: stdout); tests capture them here. */
  logStream?: NodeJS.WritableStream;
}

/** Mask secrets (key, password) in a URL's query string before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:key|password|api_key)=)[^&]*/gi, '$1***');
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
  const app = Fastify({
    logger,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Clients behind the panel's own proxy are told apart by their address; see docs/architecture.md.
    trustProxy: false,
  });

  await app.register(formbody, { bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024 });
  // Some clients send a form or JSON body with a missing or wrong content type: read it as text and
  // decode it by its shape rather than refuse it. Fastify's own text/plain parser would hand over the raw
  // string, and `fetch(url, { body: 'key=...' })` sends exactly that type: let the catch-all read it too.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
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
  });

  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    let message = 'Incorrect request';
    if (status === 413) message = 'Request too large';
    else if (status === 429) message = (err as { error?: string }).error ?? 'Too many requests';
    else if (status >= 500) {
      req.log.error({ err }, 'request failed');
      message = 'Internal error, please retry later';
    }
    reply.code(200).header('content-type', 'application/json; charset=utf-8').send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: 'Not found' });
  });

  app.get('/health', async () => ({ ok: true }));
  await app.register(apiV2Routes, { db: opts.db, rateLimitPerMinute: opts.rateLimitPerMinute ?? 600 });
  return app;
}
