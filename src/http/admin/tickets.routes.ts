/**
 * The admin area's ticket inbox (support and admin: tickets.answer): everyone's tickets with unread
 * counts, one thread (opening it marks it seen by staff), a reply and closing, through the use cases
 * the CLI's `tickets reply` and `tickets close` call (audited as the staff member).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Executor } from '../../db/executor.js';
import { browseTickets } from '../../tickets/browse-tickets.js';
import { closeTicket } from '../../tickets/close-ticket.js';
import { readTicketAsStaff } from '../../tickets/read-ticket-as-staff.js';
import { replyToTicket } from '../../tickets/reply-to-ticket.js';
import { errors } from '../web/common.schemas.js';
import { failWith } from '../web/errors.js';
import { actorOf } from './actor.js';
import {
  Inbox,
  StaffReply,
  StaffReplyAdded,
  StaffTicketThread,
  TicketClosed,
  TicketIdParams,
  TicketsQuery,
} from './tickets.schemas.js';

export const ticketsRoutes: FastifyPluginAsyncZod<{ db: Executor }> = async (app, { db }) => {
  app.get(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        querystring: TicketsQuery,
        response: { 200: Inbox, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await browseTickets({
        db,
        actor: actorOf(req),
        state: q.state,
        before: q.before,
        limit: q.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return r.value;
    },
  );

  app.get(
    '/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        response: { 200: StaffTicketThread, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await readTicketAsStaff({ db, actor: actorOf(req), ticketId: req.params.id });
      if (!r.ok) return failWith(r.failure);
      return {
        ticket: r.value.ticket,
        messages: r.value.messages.map((m) => ({ ...m, author: m.author ?? '' })),
      };
    },
  );

  app.post(
    '/tickets/:id/replies',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        body: StaffReply,
        response: { 200: StaffReplyAdded, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const r = await replyToTicket({
        db,
        ticketId: req.params.id,
        author: { staff: actorOf(req) },
        message: req.body.message,
      });
      if (!r.ok) return failWith(r.failure);
      return { message: r.value.messageId, state: r.value.state };
    },
  );

  app.post(
    '/tickets/:id/close',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        response: { 200: TicketClosed, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await closeTicket({ db, ticketId: req.params.id, by: { staff: actorOf(req) } });
      if (!r.ok) return failWith(r.failure);
      return { id: r.value.ticketId };
    },
  );
};
