/** GET /services: the catalogue with the caller's own rates (listServices, the view API v2 shows). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listServices } from '../../catalog/list-services.js';
import { getCurrency } from '../../settings/settings.js';
import { errors } from './common.schemas.js';
import type { WebRouteOptions } from './route-options.js';
import { ServiceList } from './services.schemas.js';
import { callerOf } from './session.js';

export const servicesRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db }) => {
  app.get(
    '/services',
    { schema: { tags: ['services'], response: { 200: ServiceList, ...errors(401) } } },
    async (req) => {
      const list = await listServices({ db, userId: callerOf(req).user.id });
      return {
        currency: await getCurrency(db),
        services: list.map(({ enabled: _e, providerId: _p, ...s }) => s),
      };
    },
  );
};
