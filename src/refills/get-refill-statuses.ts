/** Use case: where a customer's refill requests stand (API v2 `refill_status`, single and multi). */
import type { Executor } from '../db/executor.js';
import { findUserRefills, type Refill } from './refills.repo.js';

export async function getRefillStatuses(opts: {
  db: Executor;
  userId: number;
  refillIds: number[];
}): Promise<Map<number, Refill>> {
  return findUserRefills(opts.db, opts.userId, opts.refillIds);
}
