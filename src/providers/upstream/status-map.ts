/**
 * The pure mapping of what an upstream reports onto our state machines: an order's status entry onto
 * a status change (or a reason to ignore it), and a refill's status name onto ours. No I/O here.
 */
import { canTransition, type OrderStatus } from '../../orders/order.state.js';
import type { Order } from '../../orders/orders.repo.js';
import { type StatusChange, totalQuantity } from '../../orders/settle.js';
import type { RefillStatus } from '../../refills/refill.state.js';
import { orderStatusAnswer, refillStatusName, type UpstreamOrderStatus } from './answers.js';

/** Our status change for what the upstream reports, or a reason to ignore it. */
export function mapUpstream(
  order: Order,
  st: UpstreamOrderStatus,
): { change: StatusChange } | { ignore: string } {
  const total = totalQuantity(order);
  let remains: bigint | undefined = st.remains;
  if (order.type === 'Subscriptions') {
    // Subscriptions count posts: what remains is the limit minus the posts delivered.
    const delivered = st.posts ?? null;
    remains =
      total > 0n && delivered !== null ? (total - delivered > 0n ? total - delivered : 0n) : undefined;
  }
  if (remains !== undefined && (remains < 0n || remains > total) && order.type !== 'Subscriptions') {
    return { ignore: `remains ${remains} outside 0..${total}` };
  }
  const startCount =
    st.start_count !== null && st.start_count !== undefined && st.start_count >= 0n
      ? st.start_count
      : undefined;
  let status: OrderStatus;
  switch (st.status) {
    case 'Pending':
    case 'Processing':
      status = 'processing';
      break;
    case 'In progress':
    case 'Active':
    case 'Paused':
      status = 'in_progress';
      break;
    case 'Completed':
      return { change: { status: 'completed', startCount } };
    case 'Partial':
      if (remains === undefined || remains === 0n) {
        if (remains === undefined && isDripfeedEntry(order, st))
          return {
            ignore: `drip-feed Partial without remains (runs ${st.runs ?? '?'}, ${st.orders?.length ?? 0} run order(s) listed): settle it by hand (orders set --force) after checking the provider`,
          };
        return { ignore: `Partial without remains (${st.remains ?? 'missing'})` };
      }
      return { change: { status: 'partial', remains, startCount } };
    case 'Expired':
    case 'Canceled':
    case 'Refunded':
      if (order.type === 'Subscriptions' && remains !== undefined && remains < total) {
        return {
          change:
            remains === 0n ? { status: 'completed', startCount } : { status: 'partial', remains, startCount },
        };
      }
      return { change: { status: 'canceled', startCount } };
  }
  // Never backwards, as order.state.ts decides: an order In progress that the upstream calls Pending
  // again stays In progress (with the remains it reports) rather than raising a conflict.
  if (status !== order.status && !canTransition(order.status, status)) status = order.status;
  return { change: { status, remains: status === 'processing' ? undefined : remains, startCount } };
}

/** A drip-feed forwarded as such, answered by the upstream with its runs rather than remains. */
export function isDripfeedEntry(order: Order, st: UpstreamOrderStatus): boolean {
  return order.runs !== null && st.orders !== null && st.orders !== undefined;
}

/**
 * The run orders whose statuses settle a drip-feed `Partial` without remains, or null when this entry
 * does not need them (it has remains, or is not such a drip-feed).
 */
export function dripfeedRunsToAsk(order: Order, entry: unknown): string[] | null {
  // Most orders are not drip-feeds: no second parse of their entry on the sync's hot path.
  if (order.runs === null) return null;
  const p = orderStatusAnswer.safeParse(entry);
  if (!p.success || p.data.status !== 'Partial' || p.data.remains !== undefined) return null;
  if (!isDripfeedEntry(order, p.data)) return null;
  const listed = p.data.orders ?? [];
  return listed.length > 0 ? listed : null;
}

/**
 * The rule for a forwarded drip-feed that ends `Partial` without `remains` (SmartPanel answers
 * `{"status":"Partial","runs":"2","orders":[...]}`): the upstream placed one order per run, listed in
 * `orders`, each of `order.quantity`. Its remains is exactly the sum of the runs' remains, plus a
 * whole run for every run never placed (`order.runs` − the runs listed). It is computed only when
 * every listed run has ended (Completed, Partial with remains, Canceled/Refunded) and there are no
 * more runs listed than we asked for; otherwise (a run still going, an unreadable entry, no run
 * listed) nothing is guessed: the order stays open and the operator is alerted.
 *
 * Returns the entry with `remains` filled in, or a reason to ignore it.
 */
export function settleDripfeedFromRuns(
  order: Order,
  entry: unknown,
  runEntries: Record<string, unknown>,
): { entry: Record<string, unknown> } | { ignore: string } {
  const p = orderStatusAnswer.safeParse(entry);
  if (!p.success) return { ignore: 'unreadable drip-feed status' };
  const listed = p.data.orders ?? [];
  const runs = BigInt(order.runs ?? 1);
  if (listed.length === 0) return { ignore: 'drip-feed Partial without remains and no run listed' };
  if (BigInt(listed.length) > runs)
    return { ignore: `drip-feed lists ${listed.length} runs, more than the ${runs} asked` };
  let remains = (runs - BigInt(listed.length)) * order.quantity;
  for (const id of listed) {
    const run = orderStatusAnswer.safeParse(runEntries[id]);
    if (!run.success) return { ignore: `drip-feed run ${id}: unreadable status` };
    const st = run.data;
    let left: bigint;
    if (st.status === 'Completed') left = 0n;
    else if (st.status === 'Canceled' || st.status === 'Refunded') left = order.quantity;
    else if (st.status === 'Partial' && st.remains !== undefined) left = st.remains;
    else
      return {
        ignore: `drip-feed run ${id} is ${st.status}${st.status === 'Partial' ? ' without remains' : ': not ended'}`,
      };
    if (left < 0n || left > order.quantity)
      return { ignore: `drip-feed run ${id}: remains ${left} outside 0..${order.quantity}` };
    remains += left;
  }
  return { entry: { ...(entry as Record<string, unknown>), remains: remains.toString() } };
}

/** Our refill status for an upstream's refill status text, or null when it is not one we know. */
export function mapRefillStatus(text: unknown): RefillStatus | null {
  const p = refillStatusName.safeParse(text);
  if (!p.success) return null;
  switch (p.data) {
    case 'pending':
      return 'pending';
    case 'in progress':
    case 'processing':
      return 'in_progress';
    case 'completed':
      return 'completed';
    case 'rejected':
    case 'error':
      return 'rejected';
    case 'canceled':
    case 'cancelled':
      return 'canceled';
  }
}
