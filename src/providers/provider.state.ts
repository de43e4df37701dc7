/**
 * Where a provider stands, and the only moves between those states. Every change of
 * `providers.state` goes through a compare-and-set in providers.repo.ts checked against this table.
 *
 *   active    orders are sent to it
 *   held      it refused our account (funds, key, URL): its orders wait; probed until it works again,
 *             or resumed by the operator
 *   disabled  the operator switched it off: nothing new is sent and it is not probed until enabled
 *             again; orders already there are still followed (sync, cancels, refills)
 */
export const PROVIDER_STATES = ['active', 'held', 'disabled'] as const;
export type ProviderState = (typeof PROVIDER_STATES)[number];

const TRANSITIONS: Record<ProviderState, readonly ProviderState[]> = {
  active: ['held', 'disabled'],
  held: ['active', 'disabled'],
  disabled: ['active'],
};

export function canProviderTransition(from: ProviderState, to: ProviderState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states from which `to` may be reached (for a compare-and-set `WHERE state IN (...)`). */
export function providerStatesBefore(to: ProviderState): ProviderState[] {
  return PROVIDER_STATES.filter((from) => canProviderTransition(from, to));
}

export function parseProviderState(text: unknown): ProviderState | null {
  return typeof text === 'string' && (PROVIDER_STATES as readonly string[]).includes(text)
    ? (text as ProviderState)
    : null;
}

/** The lowest and highest send limit an operator may set. */
export const SEND_LIMIT_MIN = 1;
export const SEND_LIMIT_MAX = 100;
