/** The catalogue as the signed-in customer sees it (their own rates). */
import { z } from 'zod';
import { SERVICE_TYPES } from '../../catalog/service-types.js';

export const Service = z
  .object({
    id: z.number().int(),
    name: z.string(),
    type: z.enum(SERVICE_TYPES),
    category: z.string(),
    rate: z.string().describe('price per 1000, exact, in the panel currency'),
    min: z.string(),
    max: z.string(),
    dripfeed: z.boolean(),
    refill: z.boolean(),
    cancel: z.boolean(),
    description: z.string(),
  })
  .meta({ id: 'Service' });

export const ServiceList = z
  .object({ currency: z.string(), services: z.array(Service) })
  .meta({ id: 'ServiceList' });
