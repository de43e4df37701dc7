/**
 * Use case: tickets newest first: a customer's own, or (the operator) everyone's, optionally only
 * those in one state (`open`: waiting for the operator).
 */
import type { Executor } from '../db/executor.js';
import type { TicketState } from './ticket.state.js';
import { ownerFilter, type TicketView, type TicketViewer, ticketView } from './ticket-view.js';
import { findTickets } from './tickets.repo.js';

export async function listTickets(opts: {
  db: Executor;
  by: TicketViewer;
  state?: TicketState | undefined;
  limit?: number;
}): Promise<TicketView[]> {
  const rows = await findTickets(opts.db, {
    userId: ownerFilter(opts.by),
    state: opts.state,
    limit: opts.limit ?? 200,
  });
  return rows.map(ticketView);
}
