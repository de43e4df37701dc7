/**
 * The panel's settings, from the environment, parsed and validated once at start into one typed
 * object that the rest of the program receives (nothing else reads process.env). A bad value stops
 * the process with one line naming the variable.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().min(0).max(2_147_483_647).default(fallback);

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.string().min(1).default('sqlite:./data/panel.db'),
    /** Where the panel writes files for the operator (the first start's credentials). */
    DATA_DIR: z.string().min(1).default('./data'),
    /**
     * The key that seals payment methods' secrets (64 hex characters, or base64 of 32 bytes). Unset:
     * DATA_DIR/secrets.key, made at the first start. Every process of one panel needs the same key.
     */
    SECRETS_KEY: z
      .string()
      .regex(
        /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/,
        'must be 64 hex characters or the base64 of 32 bytes',
      )
      .optional(),
    /** Connections per process to Postgres (ignored for SQLite). */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
    /** redis://host:port: every API process shares the rate-limit counters through it. */
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Requests per minute per account (per client address for requests whose key does not authenticate). */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    /** Largest accepted request body, in bytes. */
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * The panel is reached over HTTPS (directly or through a proxy of yours): the web panel's cookies
     * are then marked Secure, so a browser never sends them over plain HTTP.
     */
    WEB_HTTPS: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    /**
     * /ready also requires a recent worker heartbeat. Default: when this process runs the worker
     * (`npm start`, `serve`); set it on API-only processes (`serve --no-worker`) whose workers run apart.
     */
    READY_EXPECT_WORKER: z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
    /** Serve Prometheus metrics on this port (off when unset), apart from the public port. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * The reverse proxies whose X-Forwarded-For the panel believes, so that per-address limits and the
     * sessions' addresses see the client, not the proxy: a comma-separated list of addresses or CIDR
     * ranges (`127.0.0.1`, `10.0.0.0/8`, `loopback`). Unset: believe none.
     */
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === 'false') return false as const;
        const items = v.split(',').map((x) => x.trim());
        const ok = items.every(
          (x) =>
            ['loopback', 'linklocal', 'uniquelocal'].includes(x) ||
            isIP(x) !== 0 ||
            (/^[^/]+\/\d{1,3}$/.test(x) && isIP(x.split('/')[0] ?? '') !== 0),
        );
        if (!ok || v === 'true') {
          ctx.addIssue({
            code: 'custom',
            message: 'must list proxy addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8',
          });
          return z.NEVER;
        }
        return items.join(',');
      }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // The fulfilment engine's timings (docs/fulfilment.md), in milliseconds unless named otherwise.
    WORKER_HTTP_TIMEOUT_MS: ms(30_000),
    /** Default: twice the HTTP timeout plus 10 s. Must be longer than the HTTP timeout. */
    WORKER_STALE_SENDING_MS: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
    WORKER_DISPATCH_BATCH: z.coerce.number().int().min(1).max(10_000).default(10),
    WORKER_DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
    /** Default: 4 on Postgres, 1 on SQLite (worker/settings.ts). */
    WORKER_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(100).optional(),
    WORKER_SYNC_BASE_MS: ms(60_000),
    WORKER_SYNC_MAX_MS: ms(15 * 60_000),
    WORKER_RETRY_BASE_MS: ms(10_000),
    WORKER_RETRY_MAX_MS: ms(10 * 60_000),
    WORKER_PROBE_MS: ms(5 * 60_000),
    WORKER_IDLE_MS: ms(1000),
  })
  .transform((c) => ({
    ...c,
    WORKER_STALE_SENDING_MS: c.WORKER_STALE_SENDING_MS ?? c.WORKER_HTTP_TIMEOUT_MS * 2 + 10_000,
  }))
  // A send still in flight must never be declared stale: its answer may yet arrive.
  .refine((c) => c.WORKER_STALE_SENDING_MS > c.WORKER_HTTP_TIMEOUT_MS, {
    path: ['WORKER_STALE_SENDING_MS'],
    message: 'must be longer than WORKER_HTTP_TIMEOUT_MS',
  });

export type Config = z.infer<typeof schema>;

/** The engine's timings as the worker takes them (see worker/settings.ts). */
export type EngineTimings = ReturnType<typeof engineTimings>;

export function engineTimings(c: Config) {
  return {
    httpTimeoutMs: c.WORKER_HTTP_TIMEOUT_MS,
    staleSendingMs: c.WORKER_STALE_SENDING_MS,
    dispatchBatch: c.WORKER_DISPATCH_BATCH,
    dispatchConcurrency: c.WORKER_DISPATCH_CONCURRENCY,
    syncConcurrency: c.WORKER_SYNC_CONCURRENCY,
    syncBaseMs: c.WORKER_SYNC_BASE_MS,
    syncMaxMs: c.WORKER_SYNC_MAX_MS,
    retryBaseMs: c.WORKER_RETRY_BASE_MS,
    retryMaxMs: c.WORKER_RETRY_MAX_MS,
    probeMs: c.WORKER_PROBE_MS,
    idleMs: c.WORKER_IDLE_MS,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is an unset one (`PORT= npm start`), as shells and .env files often leave them.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid setting ${String(issue?.path.join('.'))}: ${issue?.message}`);
  }
  return parsed.data;
}
