/**
 * Where a refill stands with the order's provider (`refills.forward_state`, beside the refill status
 * customers see), and the only moves between those states. Every change goes through refills.repo.ts.
 *
 *   manual  the operator handles it (the order was fulfilled by hand, or its provider is gone)
 *   queued  to be forwarded with `refill` (next_check_at)
 *   sent    the provider took it (provider_refill_id): followed with `refill_status`
 *   closed  the provider refused it (the refill is Rejected)
 */
export const REFILL_FORWARD_STATES = ['manual', 'queued', 'sent', 'closed'] as const;
export type RefillForwardState = (typeof REFILL_FORWARD_STATES)[number];

const TRANSITIONS: Record<RefillForwardState, readonly RefillForwardState[]> = {
  manual: [],
  queued: ['sent', 'closed', 'manual'],
  sent: [],
  closed: [],
};

export function canRefillForwardTransition(from: RefillForwardState, to: RefillForwardState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertRefillForwardTransition(from: RefillForwardState, to: RefillForwardState): void {
  if (!canRefillForwardTransition(from, to))
    throw new Error(`refill forwarding cannot go from ${from} to ${to}`);
}
