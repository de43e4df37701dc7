/** Requests of the admin CSV exports (GET /api/admin/exports/*.csv). */
import { z } from 'zod';

/** Left as text: the use case checks the dates and answers 400 with its own code. */
export const ExportQuery = z.object({
  from: z.string().max(20).optional().describe('first UTC day, YYYY-MM-DD'),
  to: z.string().max(20).optional().describe('last UTC day (included), YYYY-MM-DD'),
});
