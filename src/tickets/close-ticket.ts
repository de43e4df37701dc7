/**
 * Use case: close a ticket, by its customer or by the operator. Closed is final: closing it again is
 * refused (ticket_closed), and so is any later reply.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { ownerFilter, type TicketViewer } from './ticket-view.js';
import { casTicketState, findTicket } from './tickets.repo.js';

export async function closeTicket(opts: {
  db: Executor;
  ticketId: number;
  /** The customer (their own tickets only), or a staff member (tickets.answer, audited). */
  by: { customerId: number } | { staff: Actor };
  now?: number;
}): Promise<Result<{ ticketId: number }, FailureOf<'unknown_ticket' | 'ticket_closed' | 'forbidden'>>> {
  const now = opts.now ?? Date.now();
  const staff = 'staff' in opts.by ? opts.by.staff : null;
  if (staff && !can(staff.role, 'tickets.answer')) return fail({ code: 'forbidden' });
  const viewer: TicketViewer = staff ? { staff: true } : (opts.by as { customerId: number });
  return inTransaction(
    opts.db,
    async (
      tx,
    ): Promise<Result<{ ticketId: number }, FailureOf<'unknown_ticket' | 'ticket_closed' | 'forbidden'>>> => {
      for (let round = 0; round < 20; round++) {
        const ticket = await findTicket(tx, opts.ticketId, ownerFilter(viewer));
        if (!ticket) return fail({ code: 'unknown_ticket' });
        if (ticket.state === 'closed') return fail({ code: 'ticket_closed', ticketId: ticket.id });
        if (await casTicketState(tx, { id: ticket.id, from: ticket.state, to: 'closed', now })) {
          if (staff)
            await recordAudit(tx, {
              actor: staff,
              action: 'ticket.close',
              subject: { type: 'ticket', id: ticket.id },
              before: { state: ticket.state },
              after: { state: 'closed' },
              now,
            });
          return ok({ ticketId: ticket.id });
        }
      }
      throw new Error(`ticket ${opts.ticketId} kept changing while closing`);
    },
  );
}
