/** What we send to an upstream panel: the parameters of `add` for one of our orders, and of the other calls. */
import type { Order } from '../../orders/orders.repo.js';

/**
 * A sent order with runs/interval is always forwarded as drip-feed: the choice between forwarding and
 * splitting by the engine was made when the order was placed (an order split by the engine is never
 * sent itself, only its runs, which carry no runs of their own). Reading the service's flag again here
 * could send a drip-feed as one run after a re-import changed it.
 */
export function upstreamAddParams(order: Order, providerServiceId: string): Record<string, string> {
  const p: Record<string, string> = { action: 'add', service: providerServiceId };
  const params = order.params ?? {};
  const list = (name: string) => {
    const v = params[name];
    if (Array.isArray(v)) p[name] = v.join('\n');
  };
  const text = (name: string) => {
    const v = params[name];
    if (typeof v === 'string' || typeof v === 'number') p[name] = String(v);
  };
  if (order.link !== null) p.link = order.link;
  switch (order.type) {
    case 'Default':
      p.quantity = order.quantity.toString();
      if (order.runs !== null && order.intervalMinutes !== null) {
        p.runs = String(order.runs);
        p.interval = String(order.intervalMinutes);
      }
      break;
    case 'Custom Comments':
    case 'Comment Replies':
      list('comments');
      break;
    case 'Mentions Custom List':
      list('usernames');
      break;
    case 'Mentions':
      p.quantity = order.quantity.toString();
      list('usernames');
      break;
    case 'Mentions with Hashtags':
      p.quantity = order.quantity.toString();
      list('usernames');
      list('hashtags');
      break;
    case 'Mentions Hashtag':
      p.quantity = order.quantity.toString();
      text('hashtag');
      break;
    case 'Mentions User Followers':
      p.quantity = order.quantity.toString();
      text('username');
      break;
    case 'Mentions Media Likers':
      p.quantity = order.quantity.toString();
      text('media');
      break;
    case 'Poll':
      p.quantity = order.quantity.toString();
      text('question');
      list('answers');
      break;
    case 'Subscriptions':
      for (const name of ['username', 'min', 'max', 'posts', 'old_posts', 'delay', 'expiry']) text(name);
      break;
  }
  return p;
}

/** The other calls' parameters, as every panel takes them (multi variants: comma-separated ids). */
export const upstreamParams = {
  status: (upstreamOrderIds: readonly string[]) => ({ action: 'status', orders: upstreamOrderIds.join(',') }),
  cancel: (upstreamOrderIds: readonly string[]) => ({ action: 'cancel', orders: upstreamOrderIds.join(',') }),
  refill: (upstreamOrderId: string) => ({ action: 'refill', order: upstreamOrderId }),
  refillStatus: (upstreamRefillIds: readonly string[]) => ({
    action: 'refill_status',
    refills: upstreamRefillIds.join(','),
  }),
  balance: () => ({ action: 'balance' }),
  services: () => ({ action: 'services' }),
} as const;
