/**
 * Every state table of the engine, move by move: each allowed move is allowed and every other move
 * is refused. Terminal states never move. Pure: no database.
 */
import { describe, expect, it } from 'vitest';
import {
  CANCEL_STATES,
  type CancelState,
  canCancelTransition,
  cancelStateOf,
} from '../src/cancels/cancel.state.js';
import {
  canDispatchTransition,
  DISPATCH_STATES,
  type DispatchState,
  dispatchStatesBefore,
} from '../src/orders/dispatch.state.js';
import {
  ACTIVE_STATUSES,
  canTransition,
  ORDER_STATUSES,
  type OrderStatus,
  TERMINAL_STATUSES,
} from '../src/orders/order.state.js';
import {
  canProviderTransition,
  PROVIDER_STATES,
  type ProviderState,
  providerStatesBefore,
} from '../src/providers/provider.state.js';
import { canRefillTransition, REFILL_STATUSES, type RefillStatus } from '../src/refills/refill.state.js';
import {
  canRefillForwardTransition,
  REFILL_FORWARD_STATES,
  type RefillForwardState,
} from '../src/refills/refill-forward.state.js';
import {
  canTicketTransition,
  stateAfterReply,
  TICKET_STATES,
  type TicketState,
} from '../src/tickets/ticket.state.js';

/** Every (from, to) pair with whether the table allows it, against the expected allowed set. */
function table<S extends string>(
  states: readonly S[],
  allowed: Record<S, readonly S[]>,
  can: (from: S, to: S) => boolean,
): [S, S, boolean, boolean][] {
  return states.flatMap((from) =>
    states.map((to) => [from, to, allowed[from].includes(to), can(from, to)] as [S, S, boolean, boolean]),
  );
}

describe('order status: forward only, terminal statuses final', () => {
  const allowed: Record<OrderStatus, OrderStatus[]> = {
    // staying in a non-terminal status (to update remains) is allowed
    pending: ['pending', 'processing', 'in_progress', 'completed', 'partial', 'canceled'],
    processing: ['processing', 'in_progress', 'completed', 'partial', 'canceled'],
    in_progress: ['in_progress', 'completed', 'partial', 'canceled'],
    completed: [],
    partial: [],
    canceled: [],
  };
  it.each(table(ORDER_STATUSES, allowed, canTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
  it('active and terminal statuses split the statuses', () => {
    expect([...ACTIVE_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...ORDER_STATUSES].sort());
  });
});

describe('dispatch state', () => {
  const allowed: Record<DispatchState, DispatchState[]> = {
    manual: [],
    queued: ['sending', 'closed', 'sent'],
    sending: ['sent', 'queued', 'held', 'review', 'closed', 'manual'],
    sent: [],
    held: ['queued', 'closed'],
    review: ['sent', 'queued', 'closed'],
    runs: [],
    closed: [],
  };
  it.each(table(DISPATCH_STATES, allowed, canDispatchTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
  it('nothing leaves sent, runs or closed; only a claim leads to sending', () => {
    expect(dispatchStatesBefore('sending')).toEqual(['queued']);
    expect(dispatchStatesBefore('review')).toEqual(['sending']);
    expect(dispatchStatesBefore('held')).toEqual(['sending']);
  });
});

describe('cancel requests', () => {
  const allowed: Record<CancelState, CancelState[]> = {
    none: ['requested'],
    requested: ['forwarded', 'refused', 'done'],
    forwarded: [],
    refused: [],
    done: [],
  };
  it.each(table(CANCEL_STATES, allowed, canCancelTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
  it.each<[number | null, string | null, CancelState]>([
    [null, null, 'none'],
    [1, null, 'requested'],
    [1, 'forwarded', 'forwarded'],
    [1, 'refused', 'refused'],
    [1, 'done', 'done'],
  ])('columns (%s, %s) are %s', (cancelRequestedAt, cancelState, expected) => {
    expect(cancelStateOf({ cancelRequestedAt, cancelState })).toBe(expected);
  });
});

describe('refill forwarding', () => {
  const allowed: Record<RefillForwardState, RefillForwardState[]> = {
    manual: [],
    queued: ['sent', 'closed', 'manual'],
    sent: [],
    closed: [],
  };
  it.each(table(REFILL_FORWARD_STATES, allowed, canRefillForwardTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
});

describe('refill status', () => {
  const allowed: Record<RefillStatus, RefillStatus[]> = {
    pending: ['in_progress', 'completed', 'rejected', 'canceled'],
    in_progress: ['completed', 'rejected', 'canceled'],
    completed: [],
    rejected: [],
    canceled: [],
  };
  it.each(table(REFILL_STATUSES, allowed, canRefillTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
});

describe('provider state', () => {
  const allowed: Record<ProviderState, ProviderState[]> = {
    active: ['held', 'disabled'],
    held: ['active', 'disabled'],
    disabled: ['active'],
  };
  it.each(table(PROVIDER_STATES, allowed, canProviderTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
  it('a disabled provider is never held; held is reached only from active', () => {
    expect(providerStatesBefore('held')).toEqual(['active']);
    expect(providerStatesBefore('active')).toEqual(['held', 'disabled']);
  });
});

describe('ticket state: replies flip open and answered, closed is final', () => {
  const allowed: Record<TicketState, TicketState[]> = {
    open: ['answered', 'closed'],
    answered: ['open', 'closed'],
    closed: [],
  };
  it.each(table(TICKET_STATES, allowed, canTicketTransition))(
    '%s -> %s: allowed %s',
    (_f, _t, expected, actual) => {
      expect(actual).toBe(expected);
    },
  );
  it('the operator’s reply makes a ticket answered, the customer’s makes it open', () => {
    expect(stateAfterReply(true)).toBe('answered');
    expect(stateAfterReply(false)).toBe('open');
  });
});
