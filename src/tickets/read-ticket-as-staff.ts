/**
 * Use case: a staff member opens a ticket in the admin area: the ticket (with its customer's id, to
 * link to their page) and the whole thread, each message with its author's username (staff replies
 * too: who answered). Opening it marks the thread as seen by staff, so the inbox's unread count for
 * it drops to zero: that is bookkeeping, not an operator action, so it writes no audit entry. Needs
 * tickets.answer (support and admin).
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { messageView, type TicketMessageView, type TicketView, ticketView } from './ticket-view.js';
import { findTicket, findTicketMessages, markTicketRead } from './tickets.repo.js';

export async function readTicketAsStaff(opts: {
  db: Executor;
  actor: Actor;
  ticketId: number;
}): Promise<
  Result<
    { ticket: TicketView & { userId: number }; messages: TicketMessageView[] },
    FailureOf<'forbidden' | 'unknown_ticket'>
  >
> {
  if (!can(opts.actor.role, 'tickets.answer')) return fail({ code: 'forbidden' });
  const ticket = await findTicket(opts.db, opts.ticketId);
  if (!ticket) return fail({ code: 'unknown_ticket' });
  const messages = await findTicketMessages(opts.db, ticket.id);
  const lastId = messages.at(-1)?.id;
  if (lastId !== undefined) await markTicketRead(opts.db, ticket.id, lastId);
  return ok({
    ticket: { ...ticketView(ticket), userId: ticket.userId },
    messages: messages.map((m) => messageView(m, { staff: true })),
  });
}
