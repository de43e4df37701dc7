/**
 * Use case: one ticket and its thread, oldest message first. A customer asking for another
 * customer's ticket gets unknown_ticket, exactly as for a ticket that does not exist.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import {
  messageView,
  ownerFilter,
  type TicketMessageView,
  type TicketView,
  type TicketViewer,
  ticketView,
} from './ticket-view.js';
import { findTicket, findTicketMessages } from './tickets.repo.js';

export async function showTicket(opts: {
  db: Executor;
  ticketId: number;
  by: TicketViewer;
}): Promise<Result<{ ticket: TicketView; messages: TicketMessageView[] }, FailureOf<'unknown_ticket'>>> {
  const ticket = await findTicket(opts.db, opts.ticketId, ownerFilter(opts.by));
  if (!ticket) return fail({ code: 'unknown_ticket' });
  const messages = await findTicketMessages(opts.db, ticket.id);
  return ok({ ticket: ticketView(ticket), messages: messages.map((m) => messageView(m, opts.by)) });
}
