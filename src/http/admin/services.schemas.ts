/** Requests and answers of the admin area's catalogue endpoints (services, categories, import). */
import { z } from 'zod';
import { SERVICE_TYPES } from '../../catalog/service-types.js';
import { PROVIDER_STATES } from '../../providers/provider.state.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const quantity = z
  .string()
  .regex(/^\d{1,13}$/, 'a whole number')
  .describe('whole number as a decimal string');
const rate = z.string().max(40).describe('price per 1000, at most 4 decimals, e.g. 1.25');

export const ServiceIdParams = z.object({ id });
export const CategoryIdParams = z.object({ id });

export const AdminService = z
  .object({
    id: z.number().int(),
    name: z.string(),
    type: z.enum(SERVICE_TYPES),
    category: z.string(),
    rate: z.string().describe('list price per 1000, exact, in the panel currency'),
    providerRate: z.string().nullable().describe('the provider’s rate per 1000 as it answered; null: manual'),
    providerId: z.number().int().nullable(),
    providerName: z.string().nullable(),
    providerServiceId: z.string().nullable(),
    rateSetByHand: z.boolean().describe('kept by re-imports unless they overwrite rates'),
    min: z.string(),
    max: z.string(),
    dripfeed: z.boolean(),
    refill: z.boolean(),
    cancel: z.boolean(),
    refillDays: z.number().int().nullable().describe('days after completion for refills; null: lifetime'),
    description: z.string(),
    enabled: z.boolean(),
  })
  .meta({ id: 'AdminService' });

export const AdminCategory = z
  .object({
    id: z.number().int().describe('0 only for a category without its place (shown last)'),
    name: z.string(),
    services: z.array(AdminService),
  })
  .meta({ id: 'AdminCategory' });

export const AdminCatalogue = z
  .object({
    currency: z.string(),
    categories: z
      .array(AdminCategory)
      .describe('in the order customers see, each with its services in order'),
  })
  .meta({ id: 'AdminCatalogue' });

const flags = {
  dripfeed: z.boolean().optional(),
  refill: z.boolean().optional(),
  cancel: z.boolean().optional(),
  description: z.string().max(5000).optional(),
};

export const AdminServiceCreate = z
  .object({
    name: z.string().max(400),
    category: z.string().max(400),
    type: z.enum(SERVICE_TYPES).default('Default'),
    rate,
    min: quantity,
    max: quantity,
    ...flags,
  })
  .meta({ id: 'AdminServiceCreate' });

export const AdminServiceUpdate = z
  .object({
    name: z.string().max(400).optional(),
    category: z.string().max(400).optional(),
    rate: rate.optional(),
    min: quantity.optional(),
    max: quantity.optional(),
    ...flags,
    refillDays: z.number().int().nullable().optional().describe('null: lifetime'),
    manual: z.literal(true).optional().describe('fulfil new orders by hand instead of through the provider'),
  })
  .meta({ id: 'AdminServiceUpdate' });

export const AdminServiceSaved = z.object({ id: z.number().int() }).meta({ id: 'AdminServiceSaved' });

export const AdminServiceState = z
  .object({ id: z.number().int(), enabled: z.boolean() })
  .meta({ id: 'AdminServiceState' });

export const AdminMove = z
  .object({
    to: z.enum(['up', 'down']).optional().describe('one place up or down'),
    position: z.number().int().optional().describe('or this place, 1 = first'),
  })
  .refine((b) => (b.to === undefined) !== (b.position === undefined), 'give either to or position')
  .meta({ id: 'AdminMove' });

export const AdminMoved = z
  .object({ id: z.number().int(), position: z.number().int(), changed: z.boolean() })
  .meta({ id: 'AdminMoved' });

export const AdminCategoryRename = z
  .object({ name: z.string().max(400) })
  .meta({ id: 'AdminCategoryRename' });

export const AdminCategoryRenamed = z
  .object({ id: z.number().int(), name: z.string() })
  .meta({ id: 'AdminCategoryRenamed' });

export const AdminBulk = z
  .object({
    ids: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1).max(1000),
    action: z.enum(['enable', 'disable', 'rate']),
    percent: z
      .string()
      .max(40)
      .optional()
      .describe('for rate: e.g. 10 or -5.5 (rounded half up to 4 decimals)'),
  })
  .meta({ id: 'AdminBulk' });

export const AdminBulkDone = z
  .object({
    ids: z.array(z.number().int()),
    changed: z.array(z.number().int()),
    rates: z.record(z.string(), z.string()).describe('new list rate by service id (rate changes)'),
  })
  .meta({ id: 'AdminBulkDone' });

export const AdminImportRequest = z
  .object({
    providerId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    markup: z.string().max(40).describe('percent added to the upstream rate, e.g. 25'),
    category: z.string().max(400).optional().describe('put the imported services in this category'),
    ids: z.array(z.string().max(64)).max(10000).optional().describe('only these upstream service ids'),
    dripfeed: z.boolean().optional(),
    overwriteRates: z.boolean().optional().describe('also replace rates set by hand'),
  })
  .meta({ id: 'AdminImportRequest' });

const change = <T extends z.ZodType>(t: T) => z.object({ from: t, to: t });

export const AdminImportPlan = z
  .object({
    added: z.array(
      z.object({
        upstreamId: z.string(),
        name: z.string(),
        category: z.string(),
        type: z.string(),
        rate: z.string(),
        providerRate: z.string(),
        min: z.string(),
        max: z.string(),
      }),
    ),
    changed: z.array(
      z.object({
        id: z.number().int(),
        upstreamId: z.string(),
        name: z.string(),
        rate: change(z.string()).optional(),
        providerRate: change(z.string().nullable()).optional(),
        min: change(z.string()).optional(),
        max: change(z.string()).optional(),
        type: change(z.string()).optional(),
        flags: change(z.array(z.string())).optional(),
      }),
    ),
    unchanged: z.array(z.number().int()),
    disabled: z.array(z.object({ id: z.number().int(), name: z.string(), upstreamId: z.string() })),
    keptRates: z.array(
      z.object({ id: z.number().int(), name: z.string(), rate: z.string(), importRate: z.string() }),
    ),
    skipped: z.array(z.object({ service: z.string(), reason: z.string() })),
  })
  .meta({ id: 'AdminImportPlan' });

export const AdminImportReport = z
  .object({
    created: z.array(z.number().int()).describe('ids of the new services'),
    updated: z.array(z.number().int()),
    disabled: z.array(z.number().int()),
    keptRates: z.array(z.number().int()),
    skipped: z.array(z.object({ service: z.string(), reason: z.string() })),
    applied: AdminImportPlan.describe('the plan as applied (the provider was asked again)'),
  })
  .meta({ id: 'AdminImportReport' });

export const AdminImportSources = z
  .object({
    providers: z.array(z.object({ id: z.number().int(), name: z.string(), state: z.enum(PROVIDER_STATES) })),
  })
  .meta({ id: 'AdminImportSources' });
