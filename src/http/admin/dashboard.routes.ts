/** The admin dashboard (reports.read: admin): figures, the decision queue, provider balances. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Executor } from '../../db/executor.js';
import { getDashboard } from '../../reports/get-dashboard.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { Dashboard } from './dashboard.schemas.js';

export const dashboardRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/dashboard',
    { schema: { tags: ['dashboard'], response: { 200: Dashboard, ...errors(401, 403) } } },
    async (req) => {
      const r = await getDashboard({ db, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
