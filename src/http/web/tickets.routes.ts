/**
 * Support tickets: the customer's own list, opening one, its thread, replying and closing. Another
 * customer's ticket is 404 unknown_ticket, like a missing one; failures map through errors.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { closeTicket } from '../../tickets/close-ticket.js';
import { listMyTickets } from '../../tickets/list-my-tickets.js';
import { openTicket } from '../../tickets/open-ticket.js';
import { replyToTicket } from '../../tickets/reply-to-ticket.js';
import { showTicket } from '../../tickets/show-ticket.js';
import type { TicketView } from '../../tickets/ticket-view.js';
import { errors, Ok } from './common.schemas.js';
import { failWith } from './errors.js';
import type { WebRouteOptions } from './route-options.js';
import { callerOf } from './session.js';
import {
  OpenTicket,
  ReplyAdded,
  ReplyToTicket,
  TicketIdParams,
  TicketList,
  TicketListQuery,
  TicketOpened,
  TicketThread,
} from './tickets.schemas.js';

/** The ticket as the customer sees it (their own username is not repeated). */
const customerTicket = ({ user: _user, ...t }: TicketView) => t;

export const ticketsRoutes: FastifyPluginAsyncZod<WebRouteOptions> = async (app, { db }) => {
  app.get(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        querystring: TicketListQuery,
        response: { 200: TicketList, ...errors(400, 401) },
      },
    },
    async (req) => {
      const r = await listMyTickets({
        db,
        userId: callerOf(req).user.id,
        before: req.query.before,
        limit: req.query.limit,
      });
      if (!r.ok) return failWith(r.failure);
      return { tickets: r.value.tickets.map(customerTicket), nextBefore: r.value.nextBefore };
    },
  );

  app.post(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        body: OpenTicket,
        response: { 201: TicketOpened, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      const r = await openTicket({
        db,
        userId: callerOf(req).user.id,
        subject: req.body.subject,
        orderIds: req.body.orderIds,
        message: req.body.message,
      });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send({ ticket: r.value.ticketId });
    },
  );

  app.get(
    '/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        response: { 200: TicketThread, ...errors(400, 401, 404) },
      },
    },
    async (req) => {
      const r = await showTicket({ db, ticketId: req.params.id, by: { customerId: callerOf(req).user.id } });
      if (!r.ok) return failWith(r.failure);
      return {
        ticket: customerTicket(r.value.ticket),
        messages: r.value.messages.map(({ author: _author, ...m }) => m),
      };
    },
  );

  app.post(
    '/tickets/:id/replies',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        body: ReplyToTicket,
        response: { 201: ReplyAdded, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { user } = callerOf(req);
      const r = await replyToTicket({
        db,
        ticketId: req.params.id,
        author: { customerId: user.id },
        message: req.body.message,
      });
      if (!r.ok) return failWith(r.failure);
      return reply.code(201).send({ message: r.value.messageId, state: r.value.state });
    },
  );

  app.post(
    '/tickets/:id/close',
    {
      schema: {
        tags: ['tickets'],
        params: TicketIdParams,
        response: { 200: Ok, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, _reply) => {
      const r = await closeTicket({ db, ticketId: req.params.id, by: { customerId: callerOf(req).user.id } });
      if (!r.ok) return failWith(r.failure);
      return { ok: true as const };
    },
  );
};
