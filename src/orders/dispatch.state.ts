/**
 * Where an order stands with its provider (beside the status customers see), and the only moves
 * between those states. Every change of `orders.dispatch_state` is a compare-and-set in
 * dispatch.repo.ts (or cancels.repo.ts, for a cancel before sending) checked against this table.
 *
 *   manual   the operator fulfils it by hand (no provider)
 *   queued   waiting to be sent (next_attempt_at)
 *   sending  claimed by a worker, the request may be on the wire
 *   sent     the provider accepted it (provider_order_id); the sync follows it to its end
 *   held     our account at the provider refused it (funds, key): sent again once it works
 *   review   the outcome of a send is unknown: the operator decides, it is never re-sent by itself
 *   runs     drip-feed split by the engine: the runs are child orders
 *   closed   ended without being sent (canceled locally, refused upstream)
 *
 * Nothing leaves `sent`, `runs` or `closed`: those orders end by their status. The one move back
 * from a state that "went further" is queued -> sent: a late acceptance of a send declared stale,
 * recorded when the operator had put it back in the queue and no worker has sent it again.
 */
export const DISPATCH_STATES = [
  'manual',
  'queued',
  'sending',
  'sent',
  'held',
  'review',
  'runs',
  'closed',
] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];

const TRANSITIONS: Record<DispatchState, readonly DispatchState[]> = {
  manual: [],
  // claim; canceled before sending; a late acceptance of an earlier, stale send
  queued: ['sending', 'closed', 'sent'],
  // accepted; not taken (retry); refused about our account; unknown outcome; refused about the
  // order; the service lost its provider
  sending: ['sent', 'queued', 'held', 'review', 'closed', 'manual'],
  sent: [],
  // the provider works again; canceled while waiting
  held: ['queued', 'closed'],
  // the operator: the provider has it / does not / cancel it; a late acceptance
  review: ['sent', 'queued', 'closed'],
  runs: [],
  closed: [],
};

export function canDispatchTransition(from: DispatchState, to: DispatchState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states from which `to` may be reached. */
export function dispatchStatesBefore(to: DispatchState): DispatchState[] {
  return DISPATCH_STATES.filter((from) => canDispatchTransition(from, to));
}

/** States in which the order is with its provider: the engine, not the operator, settles it. */
export const AT_PROVIDER_STATES: readonly DispatchState[] = ['sending', 'sent', 'runs', 'review'];

/** Throws when a repository is asked for a move the table forbids (a programming error). */
export function assertDispatchTransition(from: DispatchState, to: DispatchState): void {
  if (!canDispatchTransition(from, to)) throw new Error(`dispatch state cannot go from ${from} to ${to}`);
}
