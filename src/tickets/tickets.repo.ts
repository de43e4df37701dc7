/**
 * Tickets' SQL: the ticket rows, their messages, and the compare-and-set state changes checked
 * against ticket.state.ts. Takes the database or a transaction; the use cases own transactions.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { Database } from '../db/schema.js';
import { assertTicketTransition, type TicketState, type TicketSubject } from './ticket.state.js';

export interface Ticket {
  id: number;
  userId: number;
  username: string;
  subject: TicketSubject;
  orderIds: number[];
  state: TicketState;
  createdAt: number;
  updatedAt: number;
}

export interface TicketMessage {
  id: number;
  ticketId: number;
  authorUserId: number;
  author: string;
  fromStaff: boolean;
  body: string;
  createdAt: number;
}

const orderIdsText = (ids: readonly number[]) => ids.join(',');
const orderIdsOf = (text: string) => (text === '' ? [] : text.split(',').map(Number));

// biome-ignore lint/suspicious/noExplicitAny: a joined row, typed by the select below
function toTicket(r: any): Ticket {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    username: r.username,
    subject: r.subject as TicketSubject,
    orderIds: orderIdsOf(r.order_ids),
    state: r.state as TicketState,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function ticketsWithUser(db: Executor) {
  return db
    .selectFrom('tickets')
    .innerJoin('users', 'users.id', 'tickets.user_id')
    .select([
      'tickets.id',
      'tickets.user_id',
      'users.username',
      'tickets.subject',
      'tickets.order_ids',
      'tickets.state',
      'tickets.created_at',
      'tickets.updated_at',
    ]);
}

export async function insertTicket(
  db: Executor,
  t: { userId: number; subject: TicketSubject; orderIds: readonly number[]; now: number },
): Promise<number> {
  const row = await db
    .insertInto('tickets')
    .values({
      user_id: t.userId,
      subject: t.subject,
      order_ids: orderIdsText(t.orderIds),
      state: 'open',
      created_at: t.now,
      updated_at: t.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function insertTicketMessage(
  db: Executor,
  m: { ticketId: number; authorUserId: number; fromStaff: boolean; body: string; now: number },
): Promise<number> {
  const row = await db
    .insertInto('ticket_messages')
    .values({
      ticket_id: m.ticketId,
      author_user_id: m.authorUserId,
      from_staff: m.fromStaff ? 1 : 0,
      body: m.body,
      created_at: m.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** One ticket; with `userId`, only when it is that user's (another's is not found, like a missing one). */
export async function findTicket(db: Executor, id: number, userId?: number): Promise<Ticket | null> {
  let q = ticketsWithUser(db).where('tickets.id', '=', id);
  if (userId !== undefined) q = q.where('tickets.user_id', '=', userId);
  const row = await q.executeTakeFirst();
  return row ? toTicket(row) : null;
}

/** Tickets newest first: one user's, or everyone's (userId undefined), optionally in one state. */
export async function findTickets(
  db: Executor,
  filter: { userId?: number | undefined; state?: TicketState | undefined; limit: number },
): Promise<Ticket[]> {
  let q = ticketsWithUser(db).orderBy('tickets.id', 'desc').limit(filter.limit);
  if (filter.userId !== undefined) q = q.where('tickets.user_id', '=', filter.userId);
  if (filter.state !== undefined) q = q.where('tickets.state', '=', filter.state);
  return (await q.execute()).map(toTicket);
}

/**
 * One user's tickets, the most recently updated first, a page at a time: keyset on (updated_at, id),
 * `before` being the previous page's last ticket, so equal timestamps neither repeat nor skip.
 */
export async function findTicketsPage(
  db: Executor,
  filter: { userId: number; before?: { updatedAt: number; id: number } | undefined; limit: number },
): Promise<Ticket[]> {
  let q = ticketsWithUser(db)
    .where('tickets.user_id', '=', filter.userId)
    .orderBy('tickets.updated_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(filter.limit);
  const b = filter.before;
  if (b)
    q = q.where((eb) =>
      eb.or([
        eb('tickets.updated_at', '<', b.updatedAt),
        eb.and([eb('tickets.updated_at', '=', b.updatedAt), eb('tickets.id', '<', b.id)]),
      ]),
    );
  return (await q.execute()).map(toTicket);
}

/** A ticket's messages, oldest first, with their authors' usernames. */
export async function findTicketMessages(db: Executor, ticketId: number): Promise<TicketMessage[]> {
  const rows = await db
    .selectFrom('ticket_messages')
    .innerJoin('users', 'users.id', 'ticket_messages.author_user_id')
    .select([
      'ticket_messages.id',
      'ticket_messages.ticket_id',
      'ticket_messages.author_user_id',
      'users.username',
      'ticket_messages.from_staff',
      'ticket_messages.body',
      'ticket_messages.created_at',
    ])
    .where('ticket_messages.ticket_id', '=', ticketId)
    .orderBy('ticket_messages.id', 'asc')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    ticketId: Number(r.ticket_id),
    authorUserId: Number(r.author_user_id),
    author: r.username,
    fromStaff: Number(r.from_staff) === 1,
    body: r.body,
    createdAt: Number(r.created_at),
  }));
}

/**
 * Move a ticket from `from` to `to` (or touch it, `from` === `to`, to record activity) if it still
 * stands in `from`; false when it moved meanwhile.
 */
export async function casTicketState(
  db: Executor,
  p: { id: number; from: TicketState; to: TicketState; now: number },
): Promise<boolean> {
  if (p.from !== p.to) assertTicketTransition(p.from, p.to);
  const r = await db
    .updateTable('tickets')
    .set({ state: p.to, updated_at: p.now })
    .where('id', '=', p.id)
    .where('state', '=', p.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many of these order ids are orders of this user. */
export async function countOwnOrders(
  db: Executor,
  userId: number,
  orderIds: readonly number[],
): Promise<number> {
  if (orderIds.length === 0) return 0;
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('id', 'in', [...orderIds])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Where a ticket stands in the staff inbox: open (waiting for staff) 0, answered 1, closed 2. */
const inboxRank = sql<number>`case when tickets.state = 'open' then 0 when tickets.state = 'answered' then 1 else 2 end`;

/** Customer messages of the ticket newer than the last one staff have seen. */
function unreadMessages(eb: ExpressionBuilder<Database, 'tickets'>) {
  return eb
    .selectFrom('ticket_messages')
    .whereRef('ticket_messages.ticket_id', '=', 'tickets.id')
    .where('ticket_messages.from_staff', '=', 0)
    .where(sql<boolean>`ticket_messages.id > coalesce(tickets.staff_read_message_id, 0)`);
}

/** A ticket in the staff inbox: where it stands (the keyset's first part) and its unread messages. */
export interface InboxTicket extends Ticket {
  rank: number;
  unread: number;
}

/**
 * Everyone's tickets for staff: open first, then answered, then closed, each the most recently
 * updated first, optionally in one state, a page at a time (keyset on rank, updated_at, id), each
 * with its count of customer messages staff have not seen.
 */
export async function findInboxPage(
  db: Executor,
  filter: {
    state?: TicketState | undefined;
    before?: { rank: number; updatedAt: number; id: number } | undefined;
    limit: number;
  },
): Promise<InboxTicket[]> {
  let q = ticketsWithUser(db)
    .select((eb) => [
      inboxRank.as('rank'),
      unreadMessages(eb)
        .select((s) => s.fn.countAll().as('n'))
        .as('unread'),
    ])
    .orderBy(inboxRank)
    .orderBy('tickets.updated_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(filter.limit);
  if (filter.state !== undefined) q = q.where('tickets.state', '=', filter.state);
  const b = filter.before;
  if (b)
    q = q.where((eb) =>
      eb.or([
        eb(inboxRank, '>', b.rank),
        eb.and([eb(inboxRank, '=', b.rank), eb('tickets.updated_at', '<', b.updatedAt)]),
        eb.and([
          eb(inboxRank, '=', b.rank),
          eb('tickets.updated_at', '=', b.updatedAt),
          eb('tickets.id', '<', b.id),
        ]),
      ]),
    );
  return (await q.execute()).map((r) => ({
    ...toTicket(r),
    rank: Number(r.rank),
    unread: Number(r.unread ?? 0),
  }));
}

/** How many tickets hold a customer message staff have not seen. */
export async function countUnreadTickets(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll().as('n'))
    .where((eb) => eb.exists(unreadMessages(eb).select('ticket_messages.id')))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Staff have seen the ticket's thread up to this message (never moves back). */
export async function markTicketRead(db: Executor, ticketId: number, messageId: number): Promise<void> {
  await db
    .updateTable('tickets')
    .set({ staff_read_message_id: messageId })
    .where('id', '=', ticketId)
    .where((eb) =>
      eb.or([eb('staff_read_message_id', 'is', null), eb('staff_read_message_id', '<', messageId)]),
    )
    .execute();
}
