/** The admin area's audit log: who changed what, newest first, filtered (audit.read: admin). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listAudit } from '../../audit/list-audit.js';
import type { Executor } from '../../db/executor.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import { AuditList, AuditQuery } from './schemas.js';

export const auditRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: AuditList, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await listAudit({
        db,
        actor: actorOf(req),
        filter: {
          actorUsername: q.actor?.trim() || undefined,
          actionPrefix: q.action?.trim() || undefined,
          subject: q.subject?.trim() || undefined,
          beforeId: q.before,
          limit: q.limit,
        },
      });
      if (!r.ok) return failWith(r.failure);
      return { entries: r.value.entries, nextBefore: r.value.nextBeforeId };
    },
  );
};
