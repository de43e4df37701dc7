/**
 * The admin area's catalogue (admin only: services.read / services.write, support is refused): the
 * services grouped by category in the order customers see, create and change a service, enable and
 * disable it, move categories and services, rename a category, bulk changes, and the import from a
 * provider: a preview that writes nothing, then the import itself with the same request (it asks
 * the provider again, so its report is what happened). Each route calls one use case as the
 * signed-in staff member (the use case checks the role and writes the audit entry).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { browseServices } from '../../catalog/browse-services.js';
import { bulkChangeServices } from '../../catalog/bulk-change-services.js';
import { createService } from '../../catalog/create-service.js';
import { moveCategory } from '../../catalog/move-category.js';
import { moveService } from '../../catalog/move-service.js';
import { renameCategory } from '../../catalog/rename-category.js';
import { setServiceEnabled } from '../../catalog/set-service-enabled.js';
import { updateService } from '../../catalog/update-service.js';
import type { Executor } from '../../db/executor.js';
import { parseRate } from '../../money.js';
import type { ImportPlan } from '../../providers/import-plan.js';
import { importServices } from '../../providers/import-services.js';
import { listImportSources } from '../../providers/list-import-sources.js';
import { previewImportServices } from '../../providers/preview-import-services.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  AdminBulk,
  AdminBulkDone,
  AdminCatalogue,
  AdminCategoryRename,
  AdminCategoryRenamed,
  AdminImportPlan,
  AdminImportReport,
  AdminImportRequest,
  AdminImportSources,
  AdminMove,
  AdminMoved,
  AdminServiceCreate,
  AdminServiceSaved,
  AdminServiceState,
  AdminServiceUpdate,
  CategoryIdParams,
  ServiceIdParams,
} from './services.schemas.js';

function rateOf(text: string): bigint {
  const units = parseRate(text);
  if (units === null) return failWith({ code: 'invalid_rate', text });
  return units;
}

/** The plan without the rows it would write. */
function planView(p: ImportPlan) {
  return {
    ...p,
    added: p.added.map(({ columns: _c, ...a }) => a),
    changed: p.changed.map(({ columns: _c, ...c }) => c),
  };
}

export const servicesRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/services',
    { schema: { tags: ['services'], response: { 200: AdminCatalogue, ...errors(401, 403) } } },
    async (req) => {
      const r = await browseServices({ db, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/services',
    {
      schema: {
        tags: ['services'],
        body: AdminServiceCreate,
        response: { 200: AdminServiceSaved, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const b = req.body;
      const r = await createService({
        db,
        actor,
        input: {
          name: b.name,
          category: b.category,
          type: b.type,
          rateUnits: rateOf(b.rate),
          min: BigInt(b.min),
          max: BigInt(b.max),
          dripfeed: !!b.dripfeed,
          refill: !!b.refill,
          cancel: !!b.cancel,
          description: b.description ?? '',
        },
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/services/:id',
    {
      schema: {
        tags: ['services'],
        params: ServiceIdParams,
        body: AdminServiceUpdate,
        response: { 200: AdminServiceSaved, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const b = req.body;
      const r = await updateService({
        db,
        actor,
        serviceId: req.params.id,
        changes: {
          name: b.name,
          category: b.category,
          rateUnits: b.rate === undefined ? undefined : rateOf(b.rate),
          min: b.min === undefined ? undefined : BigInt(b.min),
          max: b.max === undefined ? undefined : BigInt(b.max),
          dripfeed: b.dripfeed,
          refill: b.refill,
          cancel: b.cancel,
          description: b.description,
          refillDays: b.refillDays,
          manual: b.manual,
        },
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  for (const [path, enabled] of [
    ['/services/:id/enable', true],
    ['/services/:id/disable', false],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          tags: ['services'],
          params: ServiceIdParams,
          response: { 200: AdminServiceState, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const r = await setServiceEnabled({ db, actor: actorOf(req), serviceId: req.params.id, enabled });
        if (!r.ok) return failWith(r.failure);
        return r.value;
      },
    );
  }

  app.post(
    '/services/:id/move',
    {
      schema: {
        tags: ['services'],
        params: ServiceIdParams,
        body: AdminMove,
        response: { 200: AdminMoved, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await moveService({
        db,
        actor: actorOf(req),
        serviceId: req.params.id,
        to: b.to ?? { position: b.position ?? 0 },
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/services/categories/:id/move',
    {
      schema: {
        tags: ['services'],
        params: CategoryIdParams,
        body: AdminMove,
        response: { 200: AdminMoved, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await moveCategory({
        db,
        actor: actorOf(req),
        categoryId: req.params.id,
        to: b.to ?? { position: b.position ?? 0 },
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/services/categories/:id/rename',
    {
      schema: {
        tags: ['services'],
        params: CategoryIdParams,
        body: AdminCategoryRename,
        response: { 200: AdminCategoryRenamed, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await renameCategory({
        db,
        actor: actorOf(req),
        categoryId: req.params.id,
        name: req.body.name,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.post(
    '/services/bulk',
    {
      schema: {
        tags: ['services'],
        body: AdminBulk,
        response: { 200: AdminBulkDone, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const b = req.body;
      if (b.action === 'rate' && b.percent === undefined) return failWith({ code: 'invalid_percent' });
      const r = await bulkChangeServices({
        db,
        actor: actorOf(req),
        serviceIds: b.ids,
        change: b.action === 'rate' ? { action: 'rate', percent: b.percent ?? '' } : { action: b.action },
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/services/import/providers',
    { schema: { tags: ['services'], response: { 200: AdminImportSources, ...errors(401, 403) } } },
    async (req) => {
      const r = await listImportSources({ db, actor: actorOf(req) });
      if (!r.ok) return failWith(r.failure);
      return { providers: r.value };
    },
  );

  const importRequest = (b: z.output<typeof AdminImportRequest>) => ({
    providerId: b.providerId,
    markupPercent: b.markup,
    ...(b.category !== undefined && b.category.trim() !== '' ? { category: b.category } : {}),
    ...(b.ids !== undefined && b.ids.length > 0 ? { ids: b.ids } : {}),
    dripfeed: !!b.dripfeed,
    overwriteRates: !!b.overwriteRates,
  });

  app.post(
    '/services/import/preview',
    {
      schema: {
        tags: ['services'],
        body: AdminImportRequest,
        response: { 200: AdminImportPlan, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const r = await previewImportServices({ db, actor: actorOf(req), ...importRequest(req.body) });
      if (!r.ok) return failWith(r.failure);
      return planView(r.value);
    },
  );

  app.post(
    '/services/import',
    {
      schema: {
        tags: ['services'],
        body: AdminImportRequest,
        response: { 200: AdminImportReport, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const r = await importServices({ db, actor: actorOf(req), ...importRequest(req.body) });
      if (!r.ok) return failWith(r.failure);
      return { ...r.value, applied: planView(r.value.applied) };
    },
  );
};
