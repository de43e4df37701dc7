/**
 * `tickets`: the operator's side of support tickets (the same use cases as the admin area's inbox):
 * list, read a thread, reply (recorded as staff, written as the first admin account or the user named by --as)
 * and close.
 */
import type { Command } from 'commander';
import { closeTicket } from '../../tickets/close-ticket.js';
import { listTickets } from '../../tickets/list-tickets.js';
import { replyToTicket } from '../../tickets/reply-to-ticket.js';
import { showTicket } from '../../tickets/show-ticket.js';
import { isTicketState, TICKET_STATES } from '../../tickets/ticket.state.js';
import { idArg, intArg, textArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

/** Reading tickets: staff see every ticket. */
const STAFF = { staff: true } as const;

export function register(program: Command, ctx: CliContext): void {
  const tickets = program.command('tickets').description('support tickets: read, answer and close them');
  tickets
    .command('list')
    .description('tickets, newest first (--state open: waiting for an answer)')
    .option('--state <state>', `only tickets in this state (${TICKET_STATES.join(', ')})`)
    .option('--limit <n>', 'how many', '200')
    .action(async (o) => {
      if (o.state !== undefined && !isTicketState(o.state))
        throw new CliFailure(`unknown state "${o.state}" (use ${TICKET_STATES.join(', ')})`);
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const rows = await listTickets({ db, by: STAFF, state: o.state, limit });
      ctx.emit(
        { tickets: rows },
        table(
          ['id', 'user', 'subject', 'state', 'orders', 'updated'],
          rows.map((t) => [t.id, t.user, t.subject, t.state, t.orderIds.join(',') || null, t.updatedAt]),
          o.state ? `no ${o.state} tickets` : 'no tickets',
        ),
      );
    });
  tickets
    .command('show')
    .description('a ticket and its thread, oldest message first')
    .requiredOption('--ticket <id>', 'ticket id')
    .action(async (o) => {
      const ticketId = idArg(o.ticket, 'ticket');
      const db = await ctx.database();
      const { ticket, messages } = unwrap(await showTicket({ db, ticketId, by: STAFF }));
      ctx.emit({ ticket, messages }, [
        `ticket ${ticket.id}\tuser ${ticket.user}\tsubject ${ticket.subject}\tstate ${ticket.state}`,
        `orders\t${ticket.orderIds.join(',') || '-'}`,
        `opened\t${ticket.createdAt}\tupdated\t${ticket.updatedAt}`,
        ...messages.flatMap((m) => [
          '',
          `${m.createdAt}\t${m.author}${m.fromStaff ? ' (staff)' : ''}`,
          ...m.body.split('\n').map((l) => `  ${l}`),
        ]),
      ]);
    });
  tickets
    .command('reply')
    .description('answer a ticket as staff (the ticket becomes answered)')
    .requiredOption('--ticket <id>', 'ticket id')
    .option('--message <text>', 'the reply')
    .option('--message-stdin', 'read the reply from standard input (several lines allowed)')
    .action(async (o) => {
      const ticketId = idArg(o.ticket, 'ticket');
      const message = await textArg(ctx.io, 'message', {
        value: o.message,
        stdin: o.messageStdin,
        flag: 'message',
      });
      const db = await ctx.database();
      // Written as the staff member the CLI acts as: the first admin, or the global --as.
      const author = await ctx.actor();
      const r = unwrap(await replyToTicket({ db, ticketId, author: { staff: author }, message }));
      ctx.emit(
        { ticket: ticketId, message: r.messageId, state: r.state, author: author.username },
        `ticket ${ticketId}: replied as ${author.username}, now ${r.state}`,
      );
    });
  tickets
    .command('close')
    .description('close a ticket (final: no more replies)')
    .requiredOption('--ticket <id>', 'ticket id')
    .action(async (o) => {
      const ticketId = idArg(o.ticket, 'ticket');
      const db = await ctx.database();
      unwrap(await closeTicket({ db, ticketId, by: { staff: await ctx.actor() } }));
      ctx.emit({ ticket: ticketId, state: 'closed' }, `ticket ${ticketId}: closed`);
    });
}
