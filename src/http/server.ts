/**
 * Building the HTTP server: Fastify with the content types real clients send, a logger that never
 * prints secrets, and an error handler that keeps every answer JSON with HTTP 200 (the API's contract),
 * so no input a client can send produces a 5xx.
 */

import { parse as parseQueryString } from 'node:querystring';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Executor } from '../db/executor.js';
import { apiV2Routes } from './api-v2/routes.js';

export interface ServerOptions {
  db: Executor;
  bodyLimitBytes?: number;
  rateLimitPerMinute?: number;
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
    // A URL Fastify cannot route (bad percent-encoding) still gets the API's JSON and 200, and its
    // text, which may carry a key, is not echoed back.
    frameworkErrors: (_err, _req, reply) => {
      (reply as unknown as FastifyReply)
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ error: 'Incorrect request' });
    },
    // Clients behind the panel's own proxy are told apart by their address; see docs/architecture.md.
    trustProxy: false,
  });

  // Bodies are decoded by their shape as well as their content type: form-urlencoded (what every
  // client sends), JSON, and the same with a missing or wrong type (`fetch(url, { body: 'key=...' })`
  // sends text/plain; some clients send JSON labelled as a form). Repeated keys become arrays, which
  // the API answers as malformed parameters.
  const decodeBody = (
    _req: unknown,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
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
  };
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, decodeBody);
  app.addContentTypeParser('*', { parseAs: 'string' }, decodeBody);
  // PHP's curl with an array as CURLOPT_POSTFIELDS sends multipart/form-data: fields only, no files.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: bodyLimit, fields: 100, files: 0, parts: 100 },
  });

  app.setErrorHandler((err, req, reply) => {
    // busboy refuses a multipart type without a usable boundary with a plain Error: bad input, not a fault.
    const badMultipart = (err as Error).message === 'Multipart: Boundary not found';
    const status = (err as { statusCode?: number }).statusCode ?? (badMultipart ? 400 : 500);
    let message = 'Incorrect request';
    // A multipart body with a file or too many parts is not an API request: 'Incorrect request'.
    const multipartLimit = /^FST_(FILES|PARTS|FIELDS)_LIMIT$/.test(String((err as { code?: string }).code));
    if (status === 413 && !multipartLimit) message = 'Request too large';
    else if (status === 429) message = (err as { error?: string }).error ?? 'Too many requests';
    else if (status >= 500) {
      req.log.error({ err }, 'request failed');
      message = 'Internal error, please retry later';
    }
    reply.code(200).header('content-type', 'application/json; charset=utf-8').send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    // The API's contract is HTTP 200 for everything, whatever the method (PUT, DELETE, ...).
    if (/^\/api\/v2\/?(\?|$)/i.test(req.url)) reply.code(200).send({ error: 'Incorrect request' });
    else reply.code(404).send({ error: 'Not found' });
  });

  app.get('/health', async () => ({ ok: true }));
  await app.register(apiV2Routes, { db: opts.db, rateLimitPerMinute: opts.rateLimitPerMinute ?? 600 });
  return app;
}
