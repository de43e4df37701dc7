/**
 * The admin area's account management beyond users.routes.ts: new accounts (any role; staff need
 * staff.manage), a user's role, API key (shown once) and two-factor reset; their own rates; and the
 * user page's lists (funds history in pages, tickets, sessions), which support may read. Each route
 * calls one use case as the signed-in staff member (roles and audit entries are the use cases').
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createUser } from '../../accounts/create-user.js';
import { listUserSessions } from '../../accounts/list-user-sessions.js';
import { nameOfUser } from '../../accounts/name-of-user.js';
import { resetTwoFactor } from '../../accounts/reset-two-factor.js';
import { rotateApiKey } from '../../accounts/rotate-key.js';
import { setUserRole } from '../../accounts/set-user-role.js';
import { listUserRates } from '../../catalog/list-user-rates.js';
import { setUserRate } from '../../catalog/set-user-rate.js';
import type { Executor } from '../../db/executor.js';
import { listUserFundsHistory } from '../../ledger/list-user-funds-history.js';
import { parseRate } from '../../money.js';
import { listUserTickets } from '../../tickets/list-user-tickets.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { UserIdParams } from './schemas.js';
import {
  AccountCreated,
  FundsPage,
  FundsPageQuery,
  KeyRotated,
  NewAccount,
  RateServiceParams,
  RoleChange,
  RoleChanged,
  SetRate,
  TwoFactorReset,
  TwoFactorResetDone,
  UserRates,
  UserSessions,
  UserTickets,
} from './staff.schemas.js';

async function usernameOf(db: Executor, userId: number): Promise<string> {
  const r = await nameOfUser({ db, userId });
  if (!r.ok) return failWith(r.failure);
  return r.value;
}

export const staffRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['staff'],
        summary: 'A new account; staff roles need staff.manage. Password and API key answered once',
        body: NewAccount,
        response: { 201: AccountCreated, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await createUser({
        db,
        actor: actorOf(req),
        input: {
          username: b.username.trim(),
          password: b.password === '' ? undefined : b.password,
          role: b.role,
          email: b.email,
          generatePassword: true,
        },
      });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send({
        id: r.value.id,
        username: r.value.username,
        role: b.role,
        password: r.value.generatedPassword,
        apiKey: r.value.apiKey,
      });
    },
  );

  app.post(
    '/users/:id/role',
    {
      schema: {
        tags: ['staff'],
        params: UserIdParams,
        body: RoleChange,
        response: { 200: RoleChanged, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const username = await usernameOf(db, req.params.id);
      const r = await setUserRole({ db, actor, username, role: req.body.role });
      if (!r.ok) return failWith(r.failure);
      return { from: r.value.from, to: r.value.to };
    },
  );

  app.post(
    '/users/:id/api-key',
    {
      schema: {
        tags: ['staff'],
        summary: 'A new API key for the user (the old one stops working); shown once',
        params: UserIdParams,
        response: { 200: KeyRotated, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const username = await usernameOf(db, req.params.id);
      const r = await rotateApiKey({ db, actor, username });
      if (!r.ok) return failWith(r.failure);
      return { apiKey: r.value.apiKey };
    },
  );

  app.post(
    '/users/:id/two-factor/reset',
    {
      schema: {
        tags: ['staff'],
        summary: 'Turn off the user’s two-factor sign-in (lost phone); ends their sessions',
        params: UserIdParams,
        body: TwoFactorReset,
        response: { 200: TwoFactorResetDone, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await resetTwoFactor({
        db,
        actor: actorOf(req),
        user: { id: req.params.id },
        note: req.body.note || undefined,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/users/:id/rates',
    {
      schema: {
        tags: ['staff'],
        params: UserIdParams,
        response: { 200: UserRates, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await listUserRates({ db, actor: actorOf(req), userId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/users/:id/rates',
    {
      schema: {
        tags: ['staff'],
        summary: 'Set the user’s own rate for a service',
        params: UserIdParams,
        body: SetRate,
        response: { 200: UserRates, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const rateUnits = parseRate(req.body.rate.trim());
      if (rateUnits === null) return failWith({ code: 'invalid_param', param: 'rate' });
      const username = await usernameOf(db, req.params.id);
      const r = await setUserRate({ db, actor, username, serviceId: req.body.service, rateUnits });
      if (!r.ok) return failWith(r.failure);
      const now = await listUserRates({ db, actor, userId: req.params.id });
      if (!now.ok) return failWith(now.failure);
      return now.value;
    },
  );

  app.post(
    '/users/:id/rates/:service/clear',
    {
      schema: {
        tags: ['staff'],
        summary: 'Remove the user’s own rate for a service (back to the list rate)',
        params: RateServiceParams,
        response: { 200: UserRates, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const username = await usernameOf(db, req.params.id);
      const r = await setUserRate({ db, actor, username, serviceId: req.params.service, rateUnits: null });
      if (!r.ok) return failWith(r.failure);
      const now = await listUserRates({ db, actor, userId: req.params.id });
      if (!now.ok) return failWith(now.failure);
      return now.value;
    },
  );

  app.get(
    '/users/:id/funds',
    {
      schema: {
        tags: ['staff'],
        params: UserIdParams,
        querystring: FundsPageQuery,
        response: { 200: FundsPage, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await listUserFundsHistory({
        db,
        actor: actorOf(req),
        userId: req.params.id,
        before: req.query.before,
        limit: req.query.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/users/:id/tickets',
    {
      schema: {
        tags: ['staff'],
        params: UserIdParams,
        response: { 200: UserTickets, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await listUserTickets({ db, actor: actorOf(req), userId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/users/:id/sessions',
    {
      schema: {
        tags: ['staff'],
        params: UserIdParams,
        response: { 200: UserSessions, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await listUserSessions({ db, actor: actorOf(req), userId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
