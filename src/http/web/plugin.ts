/**
 * The web panel's face, a Fastify plugin mounted at `/api/web`: JSON bodies only, zod schemas both
 * ways (fastify-type-provider-zod), an OpenAPI document generated from them at `/api/web/openapi.json`
 * (the browser's typed client is generated from it), ordinary HTTP statuses with `{error, code}`
 * bodies (errors.ts), server-side sessions in an HttpOnly cookie, and CSRF protection (double submit:
 * a secret in an HttpOnly cookie, the token from GET /csrf sent back in `x-csrf-token`) on every
 * state change. Every route calls use cases; none holds SQL or money rules.
 */
import type { FastifyInstance } from 'fastify';
import { authenticateSession } from '../../accounts/authenticate-session.js';
import type { Executor } from '../../db/executor.js';
import type { SecretBox } from '../../payments/secret-box.js';
import { setLogFields } from '../log-fields.js';
import { accountRoutes } from './account.routes.js';
import { apiDocsRoutes } from './api-docs.routes.js';
import { authRoutes } from './auth.routes.js';
import { webFailure } from './errors.js';
import { setUpJsonFace } from './json-face.js';
import { ordersRoutes } from './orders.routes.js';
import { paymentsRoutes } from './payments.routes.js';
import type { WebRouteOptions } from './route-options.js';
import { servicesRoutes } from './services.routes.js';
import { SESSION_COOKIE, setCaller } from './session.js';
import {
  DEFAULT_RESET_LIMITS,
  DEFAULT_SIGN_IN_LIMITS,
  SignInLimiter,
  type SignInLimits,
} from './sign-in-limit.js';
import { ticketsRoutes } from './tickets.routes.js';
import { twoFactorRoutes } from './two-factor.routes.js';

export interface WebOptions {
  db: Executor;
  /** The panel is reached over HTTPS (WEB_HTTPS): cookies get `Secure`. */
  secureCookies: boolean;
  signInLimits?: SignInLimits | undefined;
  /** Forgot-password requests allowed per login and per address (tests lower them). */
  resetLimits?: SignInLimits | undefined;
  secretBox: SecretBox;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (sign-in, sign-up, the CSRF token, panel facts). */
    public?: boolean;
    /** The route decides itself whether a session is needed: the caller is resolved when there is one. */
    optionalSession?: boolean;
  }
}

export async function webPlugin(app: FastifyInstance, opts: WebOptions): Promise<void> {
  const { db, secureCookies } = opts;
  const routeOpts: WebRouteOptions = {
    db,
    secureCookies,
    limiter: new SignInLimiter(opts.signInLimits ?? DEFAULT_SIGN_IN_LIMITS),
    resetLimiter: new SignInLimiter(opts.resetLimits ?? DEFAULT_RESET_LIMITS),
    secretBox: opts.secretBox,
  };

  await setUpJsonFace(app, {
    secureCookies,
    title: 'smm-panel web API',
    description:
      'The JSON endpoints of the web panel (session cookie + x-csrf-token on state changes). ' +
      'Resellers and bots use API v2 (/api/v2) instead.',
  });
  app.addHook('preHandler', async (req, reply) => {
    const { config } = req.routeOptions;
    if (config.public) return;
    const s = await authenticateSession({ db, token: req.cookies[SESSION_COOKIE], ip: req.ip });
    if (!s.ok && config.optionalSession) return;
    if (!s.ok) {
      const e = webFailure(s.failure);
      return reply.code(e.status).send(e.body);
    }
    setCaller(req, s.value);
    setLogFields(req, { user: s.value.user.id });
  });

  await app.register(authRoutes, routeOpts);
  await app.register(servicesRoutes, routeOpts);
  await app.register(ordersRoutes, routeOpts);
  await app.register(accountRoutes, routeOpts);
  await app.register(apiDocsRoutes, routeOpts);
  await app.register(ticketsRoutes, routeOpts);
  await app.register(twoFactorRoutes, routeOpts);
  await app.register(paymentsRoutes, routeOpts);
}
