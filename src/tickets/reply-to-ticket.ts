/**
 * Use case: a reply in a ticket's thread, by its customer or by the operator (recorded as staff).
 * The operator's reply makes the ticket answered, the customer's makes it open again; a closed
 * ticket takes no reply. The message and the state change are one transaction, the state change a
 * compare-and-set: a close that lands between the read and the update wins and the reply is refused.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { stateAfterReply, type TicketState } from './ticket.state.js';
import { MAX_MESSAGE_CHARS, normalizeMessage } from './ticket-rules.js';
import { ownerFilter, type TicketViewer } from './ticket-view.js';
import { casTicketState, findTicket, insertTicketMessage } from './tickets.repo.js';

export type ReplyFailure = FailureOf<
  'unknown_ticket' | 'ticket_closed' | 'invalid_ticket_message' | 'forbidden'
>;

export async function replyToTicket(opts: {
  db: Executor;
  ticketId: number;
  /** The customer (their own tickets only), or a staff member (tickets.answer, audited). */
  author: { customerId: number } | { staff: Actor };
  message: string;
  now?: number;
}): Promise<Result<{ messageId: number; state: TicketState }, ReplyFailure>> {
  const now = opts.now ?? Date.now();
  const staff = 'staff' in opts.author ? opts.author.staff : null;
  if (staff && !can(staff.role, 'tickets.answer')) return fail({ code: 'forbidden' });
  const body = normalizeMessage(opts.message);
  if (body === null) return fail({ code: 'invalid_ticket_message', maxChars: MAX_MESSAGE_CHARS });
  const by: TicketViewer =
    'customerId' in opts.author ? { customerId: opts.author.customerId } : { staff: true };
  const authorUserId = 'customerId' in opts.author ? opts.author.customerId : opts.author.staff.id;
  const fromStaff = 'staff' in by;

  return inTransaction(
    opts.db,
    async (tx): Promise<Result<{ messageId: number; state: TicketState }, ReplyFailure>> => {
      // The other side may reply at the same moment (open <-> answered): each lost compare-and-set means
      // someone else moved the ticket, so read it again; a close is final.
      for (let round = 0; round < 20; round++) {
        const ticket = await findTicket(tx, opts.ticketId, ownerFilter(by));
        if (!ticket) return fail({ code: 'unknown_ticket' });
        if (ticket.state === 'closed') return fail({ code: 'ticket_closed', ticketId: ticket.id });
        const to = stateAfterReply(fromStaff);
        if (!(await casTicketState(tx, { id: ticket.id, from: ticket.state, to, now }))) continue;
        const messageId = await insertTicketMessage(tx, {
          ticketId: ticket.id,
          authorUserId,
          fromStaff,
          body,
          now,
        });
        if (staff)
          await recordAudit(tx, {
            actor: staff,
            action: 'ticket.reply',
            subject: { type: 'ticket', id: ticket.id },
            before: { state: ticket.state },
            after: { state: to, message: messageId },
            now,
          });
        return ok({ messageId, state: to });
      }
      throw new Error(`ticket ${opts.ticketId} kept changing while replying`);
    },
  );
}
