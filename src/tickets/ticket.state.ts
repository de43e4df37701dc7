/**
 * A support ticket's lifecycle and the only moves between its states. Every change of
 * `tickets.state` is a compare-and-set in tickets.repo.ts checked against this table.
 *
 *   open      waiting for the operator (opened, or the customer wrote last)
 *   answered  the operator wrote last; waiting for the customer
 *   closed    done; final, nobody writes to it again (a new question is a new ticket)
 */
export const TICKET_STATES = ['open', 'answered', 'closed'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

export const TICKET_SUBJECTS = ['order', 'payment', 'other'] as const;
export type TicketSubject = (typeof TICKET_SUBJECTS)[number];

const TRANSITIONS: Record<TicketState, readonly TicketState[]> = {
  // the operator replied; either side closed it
  open: ['answered', 'closed'],
  // the customer replied; either side closed it
  answered: ['open', 'closed'],
  closed: [],
};

export function canTicketTransition(from: TicketState, to: TicketState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Where a reply leaves the ticket: the operator's makes it answered, the customer's open again. */
export function stateAfterReply(fromStaff: boolean): TicketState {
  return fromStaff ? 'answered' : 'open';
}

/** Throws when a repository is asked for a move the table forbids (a programming error). */
export function assertTicketTransition(from: TicketState, to: TicketState): void {
  if (!canTicketTransition(from, to)) throw new Error(`ticket state cannot go from ${from} to ${to}`);
}

export function isTicketState(s: string): s is TicketState {
  return (TICKET_STATES as readonly string[]).includes(s);
}
