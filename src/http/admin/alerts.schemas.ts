/** Requests and answers of the admin area's Alerts endpoints (admin only). */
import { z } from 'zod';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const AlertIdParams = z.object({ id });

export const AlertsQuery = z.object({
  state: z.enum(['open', 'resolved']).default('open'),
  before: id.optional().describe('alerts with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const Alert = z
  .object({
    id: z.number().int(),
    kind: z.string().describe('e.g. provider_held, review, bad_answer'),
    message: z.string(),
    providerId: z.number().int().nullable(),
    providerName: z.string().nullable(),
    orderId: z.number().int().nullable(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .meta({ id: 'AdminAlert' });

export const AlertList = z
  .object({
    alerts: z.array(Alert),
    open: z.number().int().describe('open alerts in all'),
    nextBefore: z.number().int().nullable(),
  })
  .meta({ id: 'AdminAlertList' });

export const ResolveAlert = z
  .object({ note: z.string().trim().max(500).optional() })
  .meta({ id: 'AdminResolveAlert' });

export const AlertResolved = z.object({ id: z.number().int() }).meta({ id: 'AdminAlertResolved' });
