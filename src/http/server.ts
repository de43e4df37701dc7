/**
 * Building the HTTP server: the root Fastify instance (a logger that never prints secrets, routing,
 * health) and one plugin per face under its own prefix, each with its own body parsing and its own
 * map from failures to answers: API v2 at /api/v2 (lenient parsing, HTTP 200 for everything); the web
 * and admin faces get their own prefixes with ordinary HTTP statuses.
 */

import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Executor } from '../db/executor.js';
import { checkReadiness } from '../health/check-readiness.js';
import { createLogger, type Logger } from '../log.js';
import { apiLatency, apiRequests } from '../metrics/registry.js';
import { SecretBox } from '../payments/secret-box.js';
import { adminPlugin } from './admin/plugin.js';
import { apiV2Plugin } from './api-v2/plugin.js';
import { logFieldsOf } from './log-fields.js';
import { paymentsPlugin } from './payments/plugin.js';
import { webPlugin } from './web/plugin.js';
import type { SignInLimits } from './web/sign-in-limit.js';
import { registerWebApp, sendAppForDeepLink } from './web/static.js';

export interface ServerOptions {
  db: Executor;
  bodyLimitBytes?: number;
  rateLimitPerMinute?: number;
  /** Shares the rate-limit counters between processes (REDIS_URL). */
  redis?: Redis | undefined;
  /** Prefix of the rate-limit keys in Redis (default `smm-panel:rate:`). */
  redisPrefix?: string | undefined;
  /** The process's logger; otherwise one is made from logLevel and logStream. */
  logger?: Logger | undefined;
  logLevel?: string;
  /** Where log lines go (default: stdout); tests capture them here. */
  logStream?: NodeJS.WritableStream;
  /** The panel is reached over HTTPS (WEB_HTTPS): the web panel's cookies get `Secure`. */
  webHttps?: boolean | undefined;
  /** Sign-in attempts allowed per account and per address (tests lower or raise them). */
  signInLimits?: SignInLimits | undefined;
  /** Forgot-password requests allowed per login and per address (tests lower them). */
  resetLimits?: SignInLimits | undefined;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY): comma-separated addresses or CIDRs. */
  trustProxy?: string | false | undefined;
  /** /ready requires a recent worker heartbeat (default false). */
  expectWorker?: boolean | undefined;
  /** Seals and opens payment methods' secrets (default: a key that lives only in this process). */
  secretBox?: SecretBox | undefined;
  /** Gateway callbacks allowed per address and minute (default 120). */
  callbackLimitPerMinute?: number | undefined;
  /** Where the built browser app is (default dist/web); none there: the API only. */
  webRoot?: string | undefined;
}

/**
 * The metrics of one action and outcome, their labelled series found once: prom-client otherwise
 * checks the labels against the metric's label names on every request. Actions are the API's few
 * names or 'none', outcomes a fixed few.
 */
const apiMetrics = new Map<string, { count: (seconds: number) => void }>();
function apiMetricsOf(action: string, outcome: string) {
  const key = `${action}\u0000${outcome}`;
  let m = apiMetrics.get(key);
  if (!m) {
    const requests = apiRequests.labels({ action, outcome });
    const latency = apiLatency.labels({ action });
    m = {
      count: (seconds) => {
        requests.inc();
        latency.observe(seconds);
      },
    };
    apiMetrics.set(key, m);
  }
  return m;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const logger = opts.logger ?? createLogger({ level: opts.logLevel ?? 'info', stream: opts.logStream });
  const bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below, instead of Fastify's pair of lines
    // that carry the URL (and so whatever parameters a client put in it).
    logController: new LogController({ disableRequestLogging: true }),
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
    // Only the operator's own proxies (TRUST_PROXY) may say who the client is; see docs/operations.md.
    trustProxy: opts.trustProxy ?? false,
  });

  // The panel's own error answers (outside the faces, which map their errors themselves): JSON with an
  // ordinary status, never a stack trace.
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.code(status).send({ error: status >= 500 ? 'Internal error' : (err as Error).message });
  });
  const withApp = await registerWebApp(app, opts.webRoot);
  app.setNotFoundHandler((req, reply) => {
    if (withApp && sendAppForDeepLink(req, reply)) return;
    reply.code(404).send({ error: 'Not found' });
  });

  // The request's line: route, method, status, time, and what the face adds (API v2: action and user
  // id). Never the URL's query, the body or the headers.
  // A callback hook, not an async one: no promise per request for a line and two metrics.
  app.addHook('onResponse', (req, reply, done) => {
    const { outcome, ...fields } = logFieldsOf(req);
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unrouted',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...fields,
      },
      'request',
    );
    if (req.routeOptions.url?.startsWith('/api/v2')) {
      const action = fields.action ?? 'none';
      const ended =
        reply.statusCode === 429
          ? 'rate_limited'
          : reply.statusCode >= 500
            ? 'internal'
            : (outcome ?? 'error');
      apiMetricsOf(action, ended).count(reply.elapsedTime / 1000);
    }
    done();
  });

  // Liveness: the process answers. Readiness: the database answers, its schema is current and, when
  // one is expected, a worker lives (docs/operations.md). 503 with the failing check otherwise.
  app.get('/health', async () => ({ ok: true }));
  app.get('/ready', async (_req, reply) => {
    const r = await checkReadiness({ db: opts.db, expectWorker: opts.expectWorker ?? false });
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  await app.register(apiV2Plugin, {
    prefix: '/api/v2',
    db: opts.db,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 600,
    bodyLimitBytes: bodyLimit,
    redis: opts.redis,
    redisPrefix: opts.redisPrefix,
  });
  const secretBox = opts.secretBox ?? SecretBox.ephemeral();
  await app.register(paymentsPlugin, {
    prefix: '/api/payments',
    db: opts.db,
    secretBox,
    perMinute: opts.callbackLimitPerMinute,
  });
  await app.register(webPlugin, {
    prefix: '/api/web',
    secretBox,
    db: opts.db,
    secureCookies: opts.webHttps ?? false,
    signInLimits: opts.signInLimits,
    resetLimits: opts.resetLimits,
  });
  await app.register(adminPlugin, {
    prefix: '/api/admin',
    db: opts.db,
    secretBox,
    secureCookies: opts.webHttps ?? false,
  });
  return app;
}
