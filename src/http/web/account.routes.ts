/** Funds (balance and history, in pages), the API key (shown once), the password, the e-mail, sessions. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changeEmail } from '../../accounts/change-email.js';
import { changePassword } from '../../accounts/change-password.js';
import { endSession } from '../../accounts/end-session.js';
import { getAccount } from '../../accounts/get-account.js';
import { listMySessions } from '../../accounts/list-my-sessions.js';
import { rotateApiKey } from '../../accounts/rotate-key.js';
import { SYSTEM } from '../../audit/actor.js';
import { listMyFundsHistory } from '../../ledger/list-my-funds-history.js';
import {
  ChangeEmail,
  ChangePassword,
  EmailChanged,
  Funds,
  FundsQuery,
  NewApiKey,
  PasswordChanged,
  SessionEnded,
  SessionIdParams,
  SessionList,
} from './account.schemas.js';
import { errors } from './common.schemas.js';
import { failWith } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf, clearSessionCookie } from './session.js';

export const accountRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db, secureCookies }) => {
  app.get(
    '/funds',
    { schema: { tags: ['funds'], querystring: FundsQuery, response: { 200: Funds, ...errors(400, 401) } } },
    async (req) => {
      const { user } = callerOf(req);
      const account = await getAccount({ db, user });
      const page = await listMyFundsHistory({
        db,
        userId: user.id,
        before: req.query.before,
        limit: req.query.limit,
      });
      return { balance: account.balance, currency: account.currency, ...page };
    },
  );

  app.post(
    '/account/api-key',
    { schema: { tags: ['account'], response: { 200: NewApiKey, ...errors(401, 403) } } },
    async (req, _reply) => {
      const r = await rotateApiKey({ db, actor: SYSTEM, username: callerOf(req).user.username });
      if (!r.ok) return failWith(r.failure);
      return { apiKey: r.value.apiKey };
    },
  );

  app.post(
    '/account/password',
    {
      schema: {
        tags: ['account'],
        body: ChangePassword,
        response: { 200: PasswordChanged, ...errors(400, 401, 403, 422) },
      },
    },
    async (req, _reply) => {
      const { user, sessionId } = callerOf(req);
      const r = await changePassword({
        db,
        userId: user.id,
        sessionId,
        currentPassword: req.body.currentPassword,
        newPassword: req.body.newPassword,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/account/email',
    {
      schema: {
        tags: ['account'],
        summary: 'Set or remove (empty) the e-mail that reset links go to; needs the password',
        body: ChangeEmail,
        response: { 200: EmailChanged, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (req) => {
      const r = await changeEmail({
        db,
        userId: callerOf(req).user.id,
        currentPassword: req.body.currentPassword,
        email: req.body.email,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/account/sessions',
    { schema: { tags: ['account'], response: { 200: SessionList, ...errors(401) } } },
    async (req) => {
      const { user, sessionId } = callerOf(req);
      return listMySessions({ db, userId: user.id, currentSessionId: sessionId });
    },
  );

  app.post(
    '/account/sessions/:id/end',
    {
      schema: {
        tags: ['account'],
        params: SessionIdParams,
        response: { 200: SessionEnded, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { user, sessionId } = callerOf(req);
      const r = await endSession({
        db,
        userId: user.id,
        currentSessionId: sessionId,
        sessionId: req.params.id,
      });
      if (!r.ok) return failWith(r.failure);
      if (r.value.signedOut) clearSessionCookie(reply, secureCookies);
      return r.value;
    },
  );
};
