/**
 * Use case: the staff inbox (the admin area's Tickets page): everyone's tickets, open ones first,
 * then answered, then closed, each group the most recently updated first; or only one state. Each
 * ticket says how many customer messages no staff member has seen yet, and the answer how many
 * tickets hold such messages. Needs tickets.answer (support and admin). The cursor `before` is the
 * previous page's `nextBefore`, opaque to the browser; a malformed one is bad input.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { TicketState } from './ticket.state.js';
import { type TicketView, ticketView } from './ticket-view.js';
import { countUnreadTickets, findInboxPage } from './tickets.repo.js';

export interface InboxTicketView extends TicketView {
  userId: number;
  /** Customer messages no staff member has seen. */
  unread: number;
}

const CURSOR = /^([0-2])_(\d{1,15})_(\d{1,15})$/;

export async function browseTickets(opts: {
  db: Executor;
  actor: Actor;
  state?: TicketState | undefined;
  before?: string | undefined;
  limit: number;
}): Promise<
  Result<
    { tickets: InboxTicketView[]; unreadTickets: number; nextBefore: string | null },
    FailureOf<'forbidden' | 'invalid_param'>
  >
> {
  if (!can(opts.actor.role, 'tickets.answer')) return fail({ code: 'forbidden' });
  let before: { rank: number; updatedAt: number; id: number } | undefined;
  if (opts.before !== undefined) {
    const m = CURSOR.exec(opts.before);
    if (!m) return fail({ code: 'invalid_param', param: 'before' });
    before = { rank: Number(m[1]), updatedAt: Number(m[2]), id: Number(m[3]) };
  }
  const rows = await findInboxPage(opts.db, { state: opts.state, before, limit: opts.limit + 1 });
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return ok({
    tickets: page.map((t) => ({ ...ticketView(t), userId: t.userId, unread: t.unread })),
    unreadTickets: await countUnreadTickets(opts.db),
    nextBefore: rows.length > opts.limit && last ? `${last.rank}_${last.updatedAt}_${last.id}` : null,
  });
}
