/** Funds (balance and history), the API key (rotate, shown once), the password and the e-mail. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changeEmail } from '../../accounts/change-email.js';
import { changePassword } from '../../accounts/change-password.js';
import { getAccount } from '../../accounts/get-account.js';
import { rotateApiKey } from '../../accounts/rotate-key.js';
import { listMyFundsHistory } from '../../ledger/list-my-funds-history.js';
import {
  ChangeEmail,
  ChangePassword,
  EmailChanged,
  Funds,
  NewApiKey,
  PasswordChanged,
} from './account.schemas.js';
import { errors } from './common.schemas.js';
import { failWith } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf } from './session.js';

export const accountRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db }) => {
  app.get(
    '/funds',
    { schema: { tags: ['funds'], response: { 200: Funds, ...errors(401) } } },
    async (req) => {
      const { user } = callerOf(req);
      const account = await getAccount({ db, user });
      const { entries } = await listMyFundsHistory({ db, userId: user.id, limit: 100 });
      return { balance: account.balance, currency: account.currency, entries };
    },
  );

  app.post(
    '/account/api-key',
    { schema: { tags: ['account'], response: { 200: NewApiKey, ...errors(401, 403) } } },
    async (req, _reply) => {
      const r = await rotateApiKey({ db, username: callerOf(req).user.username });
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
};
