/** The parameters of an upstream `add` for one of our orders: every parameter of its type. */
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
