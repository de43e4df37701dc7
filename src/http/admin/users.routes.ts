/**
 * The admin area's users: the list, one user, funds, disable/enable and a new password. Each route
 * calls the use case the CLI calls, as the signed-in staff member (the use case checks the role and
 * writes the audit entry); users are addressed by id.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { browseUsers } from '../../accounts/browse-users.js';
import { inspectUser } from '../../accounts/inspect-user.js';
import { nameOfUser } from '../../accounts/name-of-user.js';
import { resetPassword } from '../../accounts/reset-password.js';
import { setUserDisabled } from '../../accounts/set-user-disabled.js';
import type { Executor } from '../../db/executor.js';
import { adjustFunds } from '../../ledger/adjust-funds.js';
import { formatAmount, parseAmount } from '../../money.js';
import { getCurrency } from '../../settings/settings.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  AdjustFunds,
  FundsAdjusted,
  NewPassword,
  UserDetail,
  UserIdParams,
  UserList,
  UserState,
  UsersQuery,
} from './schemas.js';

async function usernameOf(db: Executor, userId: number): Promise<string> {
  const r = await nameOfUser({ db, userId });
  if (!r.ok) return failWith(r.failure);
  return r.value;
}

export const usersRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        querystring: UsersQuery,
        response: { 200: UserList, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const r = await browseUsers({
        db,
        actor: actorOf(req),
        q: req.query.q,
        beforeId: req.query.before,
        limit: req.query.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return { users: r.value.users, nextBefore: r.value.nextBeforeId };
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        params: UserIdParams,
        response: { 200: UserDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await inspectUser({ db, actor: actorOf(req), userId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/users/:id/funds',
    {
      schema: {
        tags: ['users'],
        params: UserIdParams,
        body: AdjustFunds,
        response: { 200: FundsAdjusted, ...errors(400, 401, 402, 403, 404, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const amountUnits = parseAmount(req.body.amount);
      if (amountUnits === null) return failWith({ code: 'invalid_amount', text: req.body.amount });
      const username = await usernameOf(db, req.params.id);
      const r = await adjustFunds({
        db,
        actor,
        username,
        amountUnits,
        note: req.body.note || undefined,
      });
      if (!r.ok) return failWith(r.failure);
      return { balance: formatAmount(r.value.balanceUnits), currency: await getCurrency(db) };
    },
  );

  for (const [path, disabled] of [
    ['/users/:id/disable', true],
    ['/users/:id/enable', false],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          tags: ['users'],
          params: UserIdParams,
          response: { 200: UserState, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        const username = await usernameOf(db, req.params.id);
        const r = await setUserDisabled({ db, actor, username, disabled });
        if (!r.ok) return failWith(r.failure);
        return { state: r.value.disabled ? 'disabled' : 'active', changed: r.value.changed } as const;
      },
    );
  }

  app.post(
    '/users/:id/password',
    {
      schema: {
        tags: ['users'],
        params: UserIdParams,
        response: { 200: NewPassword, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const username = await usernameOf(db, req.params.id);
      const r = await resetPassword({ db, actor, username });
      if (!r.ok) return failWith(r.failure);
      return { password: r.value.generated ?? '', endedSessions: r.value.endedSessions };
    },
  );
};
