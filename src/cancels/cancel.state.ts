/**
 * A customer's cancel of an order, from asking to its end. Stored in two columns of `orders`:
 * `cancel_requested_at` (set when asked) and `cancel_state` (how it ended, once it has):
 *
 *   none       never asked                      cancel_requested_at NULL
 *   requested  asked, not yet carried out       cancel_requested_at set, cancel_state NULL
 *   forwarded  the provider took the request    cancel_state 'forwarded' (money moves when it ends)
 *   refused    the provider refused it          cancel_state 'refused' (message in last_error)
 *   done       carried out here (never sent, or drip-feed runs stopped)   cancel_state 'done'
 *
 * Every change goes through cancels.repo.ts, checked against this table; the last three are final.
 */
export const CANCEL_STATES = ['none', 'requested', 'forwarded', 'refused', 'done'] as const;
export type CancelState = (typeof CANCEL_STATES)[number];

const TRANSITIONS: Record<CancelState, readonly CancelState[]> = {
  none: ['requested'],
  requested: ['forwarded', 'refused', 'done'],
  forwarded: [],
  refused: [],
  done: [],
};

export function canCancelTransition(from: CancelState, to: CancelState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertCancelTransition(from: CancelState, to: CancelState): void {
  if (!canCancelTransition(from, to)) throw new Error(`cancel cannot go from ${from} to ${to}`);
}

/** The cancel state of an order from its two columns. */
export function cancelStateOf(o: {
  cancelRequestedAt: number | null;
  cancelState: string | null;
}): CancelState {
  if (o.cancelRequestedAt === null) return 'none';
  if (o.cancelState === 'forwarded' || o.cancelState === 'refused' || o.cancelState === 'done')
    return o.cancelState;
  return 'requested';
}
