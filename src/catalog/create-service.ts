/** Use case: the operator defines a service of the catalogue. */
import type { Executor } from '../db/executor.js';
import { fail, ok, type Result } from '../result.js';
import { isServiceType } from './service-types.js';

export const MAX_QUANTITY_LIMIT = 10n ** 12n;

export interface ServiceInput {
  name: string;
  category: string;
  type: string;
  rateUnits: bigint;
  min: bigint;
  max: bigint;
  dripfeed?: boolean;
  refill?: boolean;
  cancel?: boolean;
  description?: string | undefined;
}

export function validateServiceInput(input: ServiceInput): string | null {
  if (!input.name.trim() || input.name.length > 300) return 'name must be 1-300 characters';
  if (!input.category.trim() || input.category.length > 200) return 'category must be 1-200 characters';
  if (!isServiceType(input.type)) return `unknown type "${input.type}"`;
  if (input.rateUnits < 0n) return 'rate must not be negative';
  if (input.min < 1n) return 'min must be at least 1';
  if (input.max < input.min) return 'max must be at least min';
  if (input.max > MAX_QUANTITY_LIMIT) return `max must be at most ${MAX_QUANTITY_LIMIT}`;
  if (input.dripfeed && input.type !== 'Default') return 'drip-feed is only for services of type Default';
  return null;
}

/** The columns of a service as the operator defines it (shared by create and update). */
export function serviceColumns(input: ServiceInput) {
  return {
    name: input.name.trim(),
    category: input.category.trim(),
    type: input.type,
    rate_units: input.rateUnits,
    min_quantity: input.min,
    max_quantity: input.max,
    dripfeed: input.dripfeed ? 1 : 0,
    refill: input.refill ? 1 : 0,
    cancel: input.cancel ? 1 : 0,
    description: input.description ?? '',
  };
}

export async function createService(opts: {
  db: Executor;
  input: ServiceInput;
  now?: number;
}): Promise<Result<{ id: number }>> {
  const { db, input } = opts;
  const problem = validateServiceInput(input);
  if (problem) return fail({ code: 'invalid', message: problem });
  const row = await db
    .insertInto('services')
    .values({ ...serviceColumns(input), rate_set_by_hand: 1, created_at: opts.now ?? Date.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return ok({ id: Number(row.id) });
}
