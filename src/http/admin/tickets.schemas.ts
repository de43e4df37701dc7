/** Requests and answers of the admin area's Tickets endpoints (the staff inbox: support and admin). */
import { z } from 'zod';
import { TICKET_STATES, TICKET_SUBJECTS } from '../../tickets/ticket.state.js';
import { MAX_MESSAGE_CHARS } from '../../tickets/ticket-rules.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const TicketIdParams = z.object({ id });

export const TicketsQuery = z.object({
  state: z
    .enum(TICKET_STATES)
    .optional()
    .describe('only this state; none: open first, then answered, closed'),
  before: z
    .string()
    .regex(/^[0-2]_\d{1,15}_\d{1,15}$/)
    .optional()
    .describe("the previous page's nextBefore (opaque)"),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

const TicketFields = {
  id: z.number().int(),
  user: z.string().describe('the customer’s username'),
  userId: z.number().int(),
  subject: z.enum(TICKET_SUBJECTS),
  orderIds: z.array(z.number().int()),
  state: z.enum(TICKET_STATES).describe('open: waiting for staff; answered: staff wrote last'),
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const InboxTicket = z
  .object({
    ...TicketFields,
    unread: z.number().int().describe('customer messages no staff member has seen'),
  })
  .meta({ id: 'AdminInboxTicket' });

export const Inbox = z
  .object({
    tickets: z.array(InboxTicket),
    unreadTickets: z.number().int().describe('tickets with customer messages no staff member has seen'),
    nextBefore: z.string().nullable(),
  })
  .meta({ id: 'AdminInbox' });

export const StaffTicketThread = z
  .object({
    ticket: z.object(TicketFields).meta({ id: 'AdminTicket' }),
    messages: z.array(
      z
        .object({
          id: z.number().int(),
          author: z.string().describe('username of who wrote it (the staff member for replies)'),
          fromStaff: z.boolean(),
          body: z.string(),
          createdAt: z.string(),
        })
        .meta({ id: 'AdminTicketMessage' }),
    ),
  })
  .meta({ id: 'AdminTicketThread' });

export const StaffReply = z
  .object({
    message: z
      .string()
      .max(MAX_MESSAGE_CHARS * 4)
      .describe(`1-${MAX_MESSAGE_CHARS} characters`),
  })
  .meta({ id: 'AdminTicketReply' });

export const StaffReplyAdded = z
  .object({ message: z.number().int(), state: z.enum(TICKET_STATES) })
  .meta({ id: 'AdminTicketReplyAdded' });

export const TicketClosed = z.object({ id: z.number().int() }).meta({ id: 'AdminTicketClosed' });
