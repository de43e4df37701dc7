/**
 * The admin area's providers (admin only: providers.write): the list, one provider, adding one (its
 * URL and key checked with a balance call first: a refusal or no answer is 422
 * provider_check_failed with the provider's own words, and nothing is saved), our balance there, its
 * services beside ours linked to them, hold (no new sends) and resume, and remove (refused while
 * services or open orders use it). No answer and no audit entry holds the key.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Actor } from '../../audit/actor.js';
import type { Executor } from '../../db/executor.js';
import { addProvider } from '../../providers/add-provider.js';
import { askProviderBalance, askProviderServices } from '../../providers/ask-provider.js';
import { browseProviders, inspectProvider } from '../../providers/browse-providers.js';
import { removeProvider } from '../../providers/remove-provider.js';
import { setProviderEnabled } from '../../providers/set-provider-enabled.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  AddProvider,
  Provider,
  ProviderAdded,
  ProviderBalance,
  ProviderIdParams,
  ProviderList,
  ProviderRemoved,
  ProviderStateChange,
  UpstreamServices,
} from './providers.schemas.js';

async function providerView(db: Executor, actor: Actor, providerId: number) {
  const r = await inspectProvider({ db, actor, providerId });
  if (!r.ok) return failWith(r.failure);
  return r.value;
}

export const providersRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/providers',
    { schema: { tags: ['providers'], response: { 200: ProviderList, ...errors(401, 403) } } },
    async (req) => {
      const r = await browseProviders({ db, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return { providers: r.value };
    },
  );

  app.post(
    '/providers',
    {
      schema: {
        tags: ['providers'],
        body: AddProvider,
        response: { 200: ProviderAdded, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { name, url, apiKey } = req.body;
      const r = await addProvider({ db, actor, name, url, apiKey, check: true });
      if (!r.ok) return failWith(r.failure);
      return { provider: await providerView(db, actor, r.value.id), balance: r.value.balance ?? '' };
    },
  );

  app.get(
    '/providers/:id',
    {
      schema: {
        tags: ['providers'],
        params: ProviderIdParams,
        response: { 200: Provider, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => providerView(db, actorOf(req), req.params.id),
  );

  app.get(
    '/providers/:id/balance',
    {
      schema: {
        tags: ['providers'],
        params: ProviderIdParams,
        response: { 200: ProviderBalance, ...errors(400, 401, 403, 404, 502) },
      },
    },
    async (req) => {
      const r = await askProviderBalance({ db, actor: actorOf(req), providerId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/providers/:id/services',
    {
      schema: {
        tags: ['providers'],
        params: ProviderIdParams,
        response: { 200: UpstreamServices, ...errors(400, 401, 403, 404, 502) },
      },
    },
    async (req) => {
      const r = await askProviderServices({ db, actor: actorOf(req), providerId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  for (const [path, enabled] of [
    ['/providers/:id/hold', false],
    ['/providers/:id/resume', true],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          tags: ['providers'],
          params: ProviderIdParams,
          response: { 200: ProviderStateChange, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const actor = actorOf(req);
        const r = await setProviderEnabled({ db, actor, providerId: req.params.id, enabled });
        if (!r.ok) return failWith(r.failure);
        return {
          provider: await providerView(db, actor, r.value.id),
          changed: r.value.changed,
          requeued: r.value.requeued,
        };
      },
    );
  }

  app.post(
    '/providers/:id/remove',
    {
      schema: {
        tags: ['providers'],
        params: ProviderIdParams,
        response: { 200: ProviderRemoved, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await removeProvider({ db, actor: actorOf(req), providerId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );
};
