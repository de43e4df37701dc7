/**
 * GET /services: the catalogue with the caller's own rates (the view API v2 shows), or the list
 * prices for a visitor when the operator made the services public (listCatalogue decides).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listCatalogue } from '../../catalog/list-catalogue.js';
import { errors } from './common.schemas.js';
import { failWith } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { ServiceList } from './services.schemas.js';
import { callerOrNull } from './session.js';

export const servicesRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db }) => {
  app.get(
    '/services',
    {
      config: { optionalSession: true },
      schema: { tags: ['services'], response: { 200: ServiceList, ...errors(401) } },
    },
    async (req) => {
      const r = await listCatalogue({ db, userId: callerOrNull(req)?.user.id ?? null });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
