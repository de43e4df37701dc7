/** Support tickets: the list, one thread, opening one and replying. */
import { z } from 'zod';
import { TICKET_STATES, TICKET_SUBJECTS } from '../../tickets/ticket.state.js';
import { MAX_MESSAGE_CHARS, MAX_TICKET_ORDERS } from '../../tickets/ticket-rules.js';

// Generous on length here: the use case's rule (1..5000 characters after trimming) answers 422 with
// the message the form shows; this only stops absurd bodies early.
const message = z
  .string()
  .max(MAX_MESSAGE_CHARS * 4)
  .describe(`1-${MAX_MESSAGE_CHARS} characters`);

export const Ticket = z
  .object({
    id: z.number().int(),
    subject: z.enum(TICKET_SUBJECTS),
    orderIds: z.array(z.number().int()),
    state: z.enum(TICKET_STATES).describe('open: waiting for support; answered: support replied'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Ticket' });

export const TicketMessage = z
  .object({
    id: z.number().int(),
    fromStaff: z.boolean().describe('written by the panel’s support'),
    body: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'TicketMessage' });

export const TicketListQuery = z.object({
  before: z
    .string()
    .regex(/^\d{1,15}_\d{1,15}$/)
    .optional()
    .describe("the previous page's nextBefore (opaque)"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const TicketList = z
  .object({
    tickets: z.array(Ticket),
    nextBefore: z.string().nullable().describe('pass as `before` for the next page; null: last page'),
  })
  .meta({ id: 'TicketList' });

export const TicketThread = z
  .object({ ticket: Ticket, messages: z.array(TicketMessage) })
  .meta({ id: 'TicketThread' });

export const OpenTicket = z
  .object({
    subject: z.enum(TICKET_SUBJECTS),
    orderIds: z.array(z.number().int().positive()).max(MAX_TICKET_ORDERS).optional(),
    message,
  })
  .meta({ id: 'OpenTicket' });

export const TicketOpened = z.object({ ticket: z.number().int() }).meta({ id: 'TicketOpened' });

export const ReplyToTicket = z.object({ message }).meta({ id: 'ReplyToTicket' });

export const ReplyAdded = z
  .object({ message: z.number().int(), state: z.enum(TICKET_STATES) })
  .meta({ id: 'ReplyAdded' });

export const TicketIdParams = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
