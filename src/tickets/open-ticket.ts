/**
 * Use case: a customer opens a support ticket: a subject (order, payment, other), optionally the
 * orders it is about (each must be the customer's own; another's is unknown like a missing one) and
 * the first message. The ticket starts open, waiting for the operator.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { TICKET_SUBJECTS } from './ticket.state.js';
import { MAX_MESSAGE_CHARS, MAX_TICKET_ORDERS, normalizeMessage } from './ticket-rules.js';
import { countOwnOrders, insertTicket, insertTicketMessage } from './tickets.repo.js';

export type OpenTicketFailure = FailureOf<
  'invalid_ticket_subject' | 'invalid_ticket_message' | 'unknown_order' | 'too_many_ids'
>;

export async function openTicket(opts: {
  db: Executor;
  userId: number;
  subject: string;
  orderIds?: readonly number[] | undefined;
  message: string;
  now?: number;
}): Promise<Result<{ ticketId: number }, OpenTicketFailure>> {
  const now = opts.now ?? Date.now();
  const subject = TICKET_SUBJECTS.find((s) => s === opts.subject);
  if (subject === undefined) return fail({ code: 'invalid_ticket_subject' });
  const body = normalizeMessage(opts.message);
  if (body === null) return fail({ code: 'invalid_ticket_message', maxChars: MAX_MESSAGE_CHARS });
  const orderIds = [...new Set(opts.orderIds ?? [])].sort((a, b) => a - b);
  if (orderIds.length > MAX_TICKET_ORDERS) return fail({ code: 'too_many_ids', max: MAX_TICKET_ORDERS });
  if (orderIds.some((id) => !Number.isSafeInteger(id) || id < 1)) return fail({ code: 'unknown_order' });

  return inTransaction(opts.db, async (tx) => {
    if ((await countOwnOrders(tx, opts.userId, orderIds)) !== orderIds.length)
      return fail({ code: 'unknown_order' as const });
    const ticketId = await insertTicket(tx, { userId: opts.userId, subject, orderIds, now });
    await insertTicketMessage(tx, { ticketId, authorUserId: opts.userId, fromStaff: false, body, now });
    return ok({ ticketId });
  });
}
