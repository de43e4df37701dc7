/** The staff member a request of the admin face acts as (set by the plugin's preHandler hook). */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../audit/actor.js';
import { callerOf } from '../web/session.js';

export function actorOf(req: FastifyRequest): Actor {
  const { user } = callerOf(req);
  return { id: user.id, role: user.role, kind: 'web' };
}
