/**
 * Use case: a customer's own orders, newest first, a page at a time (keyset: `beforeId`), optionally
 * of one status, as the web panel shows them: service name, link, money formatted exactly, and
 * whether a refill or a cancel would be accepted now (the same rules as createRefill and
 * requestCancel). The engine's drip-feed runs are not listed, like in API v2. `q` searches: all digits
 * is an order id (exactly), anything else a part of the link (case-insensitive).
 */
import { cancelAllowed } from '../cancels/cancel-rules.js';
import type { Service } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { refillAllowed } from '../refills/refill-rules.js';
import { findOrdersWithOpenRefill } from '../refills/refills.repo.js';
import { orderSearchOf } from './list-orders.js';
import { API_STATUS, type OrderStatus } from './order.state.js';
import { type CustomerOrderRow, findCustomerOrderPage } from './orders.repo.js';

export interface CustomerOrderView {
  id: number;
  service: number;
  serviceName: string | null;
  type: string;
  /** As the customer typed it; shown as text (a live link only for http(s), the face decides). */
  link: string | null;
  /** The username a subscription follows (it has no link); null for other types. */
  username: string | null;
  quantity: string;
  runs: number | null;
  interval: number | null;
  /** What the order costs now: charge minus refunds, exact. */
  charge: string;
  startCount: string | null;
  remains: string;
  /** As API v2 shows it: Pending, Processing, In progress, Completed, Partial, Canceled. */
  status: string;
  createdAt: string;
  canRefill: boolean;
  canCancel: boolean;
  cancelRequested: boolean;
}

/** What the customer sees of one of their orders (`openRefill`: it has a pending or running refill). */
export function customerOrderView(
  o: Omit<CustomerOrderRow, 'service'>,
  service: Pick<Service, 'refill' | 'refillDays' | 'cancel'> | null,
  openRefill: boolean,
  now: number,
): CustomerOrderView {
  return {
    id: o.id,
    service: o.serviceId,
    serviceName: o.serviceName,
    type: o.type,
    link: o.link,
    username: o.type === 'Subscriptions' && typeof o.params?.username === 'string' ? o.params.username : null,
    quantity: o.quantity.toString(),
    runs: o.runs,
    interval: o.intervalMinutes,
    charge: formatAmount(o.chargeUnits - o.refundedUnits),
    startCount: o.startCount?.toString() ?? null,
    remains: o.remains.toString(),
    status: API_STATUS[o.status],
    createdAt: new Date(o.createdAt).toISOString(),
    canRefill: refillAllowed(o, service, now) && !openRefill,
    canCancel: cancelAllowed(o, service) && o.cancelRequestedAt === null,
    cancelRequested: o.cancelRequestedAt !== null && cancelAllowed(o, { cancel: true }),
  };
}

export async function listCustomerOrders(opts: {
  db: Executor;
  userId: number;
  /** An order id, or a part of the link; the face limits its length. */
  q?: string | undefined;
  status?: OrderStatus | undefined;
  beforeId?: number | undefined;
  limit?: number | undefined;
  now?: number;
}): Promise<{ orders: CustomerOrderView[]; nextBeforeId: number | null }> {
  const { db, userId } = opts;
  const now = opts.now ?? Date.now();
  const limit = opts.limit ?? 20;
  const rows = await findCustomerOrderPage(db, {
    userId,
    status: opts.status,
    beforeId: opts.beforeId,
    ...orderSearchOf(opts.q),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const openRefills = await findOrdersWithOpenRefill(
    db,
    page.map((o) => o.id),
  );
  const orders = page.map((o) => customerOrderView(o, o.service, openRefills.has(o.id), now));
  const last = page.at(-1);
  return { orders, nextBeforeId: rows.length > limit && last ? last.id : null };
}
