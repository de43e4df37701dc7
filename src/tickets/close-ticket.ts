/**
 * Use case: close a ticket, by its customer or by the operator. Closed is final: closing it again is
 * refused (ticket_closed), and so is any later reply.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { ownerFilter, type TicketViewer } from './ticket-view.js';
import { casTicketState, findTicket } from './tickets.repo.js';

export async function closeTicket(opts: {
  db: Executor;
  ticketId: number;
  by: TicketViewer;
  now?: number;
}): Promise<Result<{ ticketId: number }, FailureOf<'unknown_ticket' | 'ticket_closed'>>> {
  const now = opts.now ?? Date.now();
  return inTransaction(
    opts.db,
    async (tx): Promise<Result<{ ticketId: number }, FailureOf<'unknown_ticket' | 'ticket_closed'>>> => {
      for (let round = 0; round < 20; round++) {
        const ticket = await findTicket(tx, opts.ticketId, ownerFilter(opts.by));
        if (!ticket) return fail({ code: 'unknown_ticket' });
        if (ticket.state === 'closed') return fail({ code: 'ticket_closed', ticketId: ticket.id });
        if (await casTicketState(tx, { id: ticket.id, from: ticket.state, to: 'closed', now }))
          return ok({ ticketId: ticket.id });
      }
      throw new Error(`ticket ${opts.ticketId} kept changing while closing`);
    },
  );
}
