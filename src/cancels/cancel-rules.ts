/**
 * When an order may be canceled, as a pure rule shared by requestCancel and the web panel's cancel
 * button (besides: no cancel asked before).
 */
import type { Service } from '../catalog/services.repo.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import type { Order } from '../orders/orders.repo.js';

export function cancelAllowed(
  order: Pick<Order, 'status'>,
  service: Pick<Service, 'cancel'> | null,
): boolean {
  return !!service?.cancel && ACTIVE_STATUSES.includes(order.status);
}
