/**
 * When an order may be refilled, as a pure rule: createRefill refuses by it, and the web panel shows
 * its refill button by it, so the button appears exactly where API v2 would accept a refill. (One
 * open refill per order is the other rule, checked by the database's unique index.)
 */
import type { Service } from '../catalog/services.repo.js';
import type { Order } from '../orders/orders.repo.js';

export function refillAllowed(
  order: Pick<Order, 'status' | 'finishedAt'>,
  service: Pick<Service, 'refill' | 'refillDays'> | null,
  now: number,
): boolean {
  if (!service?.refill) return false;
  if (order.status !== 'completed' && order.status !== 'partial') return false;
  // The refill window: days after the order finished, or its whole lifetime when the service sets none.
  if (service.refillDays !== null && order.finishedAt !== null) {
    if (now > order.finishedAt + service.refillDays * 86_400_000) return false;
  }
  return true;
}
