/**
 * Sign up, sign in, sign out (this session or every one), who am I, the CSRF token, and the password
 * reset by mail (forgot-password, reset-password).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticateSession } from '../../accounts/authenticate-session.js';
import { completePasswordReset } from '../../accounts/complete-password-reset.js';
import { getAccount } from '../../accounts/get-account.js';
import { requestPasswordReset } from '../../accounts/request-password-reset.js';
import { signIn } from '../../accounts/sign-in.js';
import { signOut } from '../../accounts/sign-out.js';
import { signOutEverywhere } from '../../accounts/sign-out-everywhere.js';
import { signUp } from '../../accounts/sign-up.js';
import {
  getCurrency,
  getPanelName,
  isPasswordResetByMail,
  isPublicServices,
  isSignupOpen,
} from '../../settings/settings.js';
import {
  Credentials,
  CsrfToken,
  Ended,
  ForgotPassword,
  Me,
  PanelInfo,
  ResetPassword,
  SignUp,
} from './auth.schemas.js';
import { errors, Ok } from './common.schemas.js';
import { failWith, TooManyAttempts } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf, clearSessionCookie, setSessionCookie } from './session.js';
import { TwoFactorPending } from './two-factor.schemas.js';

export const authRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, opts) => {
  const { db, secureCookies, limiter, resetLimiter } = opts;

  app.get(
    '/csrf',
    { config: { public: true }, schema: { tags: ['auth'], response: { 200: CsrfToken } } },
    async (_req, reply) => ({ token: reply.generateCsrf() }),
  );

  app.get(
    '/panel',
    { config: { public: true }, schema: { tags: ['auth'], response: { 200: PanelInfo } } },
    async () => ({
      panelName: await getPanelName(db),
      signupOpen: await isSignupOpen(db),
      publicServices: await isPublicServices(db),
      currency: await getCurrency(db),
      passwordResetByMail: await isPasswordResetByMail(db),
    }),
  );

  app.post(
    '/auth/sign-in',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; with two-factor sign-in on, answers a token for POST /auth/two-factor instead',
        body: Credentials,
        response: { 200: z.union([Me, TwoFactorPending]), ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const wait = limiter.attempt(req.body.username, req.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new TooManyAttempts(wait);
      }
      const r = await signIn({
        db,
        username: req.body.username,
        password: req.body.password,
        client: { userAgent: req.headers['user-agent'], ip: req.ip },
      });
      if (!r.ok) return failWith(r.failure);
      if (r.value.kind === 'two_factor') return { twoFactor: 'required' as const, token: r.value.challenge };
      setSessionCookie(reply, r.value.token, secureCookies);
      const s = await authenticateSession({ db, token: r.value.token });
      if (!s.ok) throw new Error('a new session did not authenticate');
      return getAccount({ db, user: s.value.user });
    },
  );

  app.post(
    '/auth/sign-up',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        body: SignUp,
        response: { 201: Me, ...errors(400, 403, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const wait = limiter.attempt(req.body.username, req.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new TooManyAttempts(wait);
      }
      const r = await signUp({
        db,
        username: req.body.username,
        password: req.body.password,
        email: req.body.email,
        client: { userAgent: req.headers['user-agent'], ip: req.ip },
      });
      if (!r.ok) return failWith(r.failure);
      setSessionCookie(reply, r.value.token, secureCookies);
      const s = await authenticateSession({ db, token: r.value.token });
      if (!s.ok) throw new Error('a new session did not authenticate');
      return reply.code(201).send(await getAccount({ db, user: s.value.user }));
    },
  );

  app.post(
    '/auth/forgot-password',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Mail a reset link; the same answer whether or not the account exists',
        body: ForgotPassword,
        response: { 202: Ok, ...errors(400, 403, 409, 429) },
      },
    },
    async (req, reply) => {
      const wait = resetLimiter.attempt(req.body.login, req.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new TooManyAttempts(wait);
      }
      const r = await requestPasswordReset({ db, login: req.body.login });
      if (!r.ok) return failWith(r.failure);
      // Answered before the mail leaves: the time taken tells nothing, and a broken SMTP server
      // changes nothing for the caller. The outcome is logged (no address, link or secret).
      void r.value.delivery.then((d) => {
        if (d.sent) req.log.info({ user: d.userId }, 'password reset mail sent');
        else if (d.reason === 'failed')
          req.log.warn({ user: d.userId, error: d.error }, 'password reset mail failed');
        else if (d.reason === 'limited') req.log.info('password reset mail not sent: limit per account');
      });
      return reply.code(202).send({ ok: true as const });
    },
  );

  app.post(
    '/auth/reset-password',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the token of a reset link; ends every session',
        body: ResetPassword,
        response: { 200: Ok, ...errors(400, 403, 422) },
      },
    },
    async (req) => {
      const r = await completePasswordReset({ db, token: req.body.token, newPassword: req.body.newPassword });
      if (!r.ok) return failWith(r.failure);
      return { ok: true as const };
    },
  );

  app.post(
    '/auth/sign-out',
    { schema: { tags: ['auth'], response: { 200: Ok, ...errors(401, 403) } } },
    async (req, reply) => {
      await signOut({ db, sessionId: callerOf(req).sessionId });
      clearSessionCookie(reply, secureCookies);
      return { ok: true as const };
    },
  );

  app.post(
    '/auth/sign-out-everywhere',
    { schema: { tags: ['auth'], response: { 200: Ended, ...errors(401, 403) } } },
    async (req, reply) => {
      const r = await signOutEverywhere({ db, userId: callerOf(req).user.id });
      clearSessionCookie(reply, secureCookies);
      return r;
    },
  );

  app.get('/me', { schema: { tags: ['auth'], response: { 200: Me, ...errors(401) } } }, async (req) =>
    getAccount({ db, user: callerOf(req).user }),
  );
};
