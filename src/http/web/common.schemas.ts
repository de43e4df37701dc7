/** Schemas every resource of the web face shares. */
import { z } from 'zod';

export const ErrorBody = z
  .object({
    error: z.string().describe('English message to show'),
    code: z.string().describe('failure code'),
    params: z
      .record(z.string(), z.string())
      .optional()
      .describe("the failure's facts (e.g. min for quantity_below_min), for the browser's catalogue"),
  })
  .meta({ id: 'ErrorBody' });

/** The error answers a route can give, for the OpenAPI document. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<number, typeof ErrorBody>;

export const Ok = z.object({ ok: z.literal(true) });
