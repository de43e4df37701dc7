/**
 * Two-factor sign-in: the second sign-in step (challenge token + code or recovery code -> session)
 * and, for the signed-in user, its state, setup (secret, URI, QR code), turning on (recovery codes
 * shown once), turning off (password + code) and new recovery codes (code).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateSession } from '../../accounts/authenticate-session.js';
import { completeTwoFactorSignIn } from '../../accounts/complete-two-factor-sign-in.js';
import { disableTwoFactor } from '../../accounts/disable-two-factor.js';
import { enableTwoFactor } from '../../accounts/enable-two-factor.js';
import { getAccount } from '../../accounts/get-account.js';
import { regenerateRecoveryCodes } from '../../accounts/regenerate-recovery-codes.js';
import { showTwoFactor } from '../../accounts/show-two-factor.js';
import { startTwoFactorSetup } from '../../accounts/start-two-factor-setup.js';
import { Me } from './auth.schemas.js';
import { errors } from './common.schemas.js';
import { failWith, TooManyAttempts } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf, setSessionCookie } from './session.js';
import {
  RecoveryCodes,
  TwoFactorCode,
  TwoFactorOff,
  TwoFactorSetup,
  TwoFactorSignIn,
  TwoFactorStatus,
  TwoFactorTurnedOff,
} from './two-factor.schemas.js';

export const twoFactorRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, opts) => {
  const { db, secureCookies, limiter } = opts;

  app.post(
    '/auth/two-factor',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step: the token from sign-in and a code (or a recovery code)',
        body: TwoFactorSignIn,
        response: { 200: Me, ...errors(400, 401, 403, 422, 429) },
      },
    },
    async (req, reply) => {
      const r = await completeTwoFactorSignIn({
        db,
        token: req.body.token,
        code: req.body.code,
        recoveryCode: req.body.recoveryCode,
        client: { userAgent: req.headers['user-agent'], ip: req.ip },
        beforeTry: (username) => {
          const wait = limiter.attempt(username, req.ip);
          if (wait > 0) {
            reply.header('retry-after', String(wait));
            throw new TooManyAttempts(wait);
          }
        },
      });
      if (!r.ok) return failWith(r.failure);
      setSessionCookie(reply, r.value.token, secureCookies);
      const s = await authenticateSession({ db, token: r.value.token });
      if (!s.ok) throw new Error('a new session did not authenticate');
      return getAccount({ db, user: s.value.user });
    },
  );

  app.get(
    '/account/two-factor',
    { schema: { tags: ['account'], response: { 200: TwoFactorStatus, ...errors(401, 404) } } },
    async (req) => {
      const { user } = callerOf(req);
      const r = await showTwoFactor({ db, userId: user.id, role: user.role });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/account/two-factor/setup',
    {
      schema: {
        tags: ['account'],
        summary: 'A new pending secret (not on until a code confirms it)',
        response: { 200: TwoFactorSetup, ...errors(401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await startTwoFactorSetup({ db, userId: callerOf(req).user.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/account/two-factor/enable',
    {
      schema: {
        tags: ['account'],
        summary: 'Turn it on with a code of the pending secret; answers the recovery codes once',
        body: TwoFactorCode,
        response: { 200: RecoveryCodes, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const c = callerOf(req);
      const r = await enableTwoFactor({ db, userId: c.user.id, sessionId: c.sessionId, code: req.body.code });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/account/two-factor/disable',
    {
      schema: {
        tags: ['account'],
        summary: 'Turn it off with the password and a code (or a recovery code); ends other sessions',
        body: TwoFactorOff,
        response: { 200: TwoFactorTurnedOff, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const c = callerOf(req);
      const r = await disableTwoFactor({
        db,
        userId: c.user.id,
        sessionId: c.sessionId,
        password: req.body.password,
        code: req.body.code,
        recoveryCode: req.body.recoveryCode,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/account/two-factor/recovery-codes',
    {
      schema: {
        tags: ['account'],
        summary: 'Ten new recovery codes (shown once) for a code; the old ones stop working',
        body: TwoFactorCode,
        response: { 200: RecoveryCodes, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await regenerateRecoveryCodes({ db, userId: callerOf(req).user.id, code: req.body.code });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
