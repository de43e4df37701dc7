/** The admin area's alerts (admin only: alerts.resolve): open or resolved ones, and resolving one. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { browseAlerts } from '../../alerts/browse-alerts.js';
import { resolveAlert } from '../../alerts/resolve-alert.js';
import type { Executor } from '../../db/executor.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { AlertIdParams, AlertList, AlertResolved, AlertsQuery, ResolveAlert } from './alerts.schemas.js';

export const alertsRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/alerts',
    {
      schema: {
        tags: ['alerts'],
        querystring: AlertsQuery,
        response: { 200: AlertList, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await browseAlerts({
        db,
        actor: actorOf(req),
        state: q.state,
        beforeId: q.before,
        limit: q.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return { alerts: r.value.alerts, open: r.value.open, nextBefore: r.value.nextBeforeId };
    },
  );

  app.post(
    '/alerts/:id/resolve',
    {
      schema: {
        tags: ['alerts'],
        params: AlertIdParams,
        body: ResolveAlert,
        response: { 200: AlertResolved, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await resolveAlert({
        db,
        actor: actorOf(req),
        alertId: req.params.id,
        note: req.body.note || undefined,
      });
      if (!r.ok) return failWith(r.failure);
      return { id: r.value.alertId };
    },
  );
};
