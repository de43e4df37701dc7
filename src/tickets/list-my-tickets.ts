/**
 * Use case: a customer's own tickets, the most recently updated first (a reply moves a ticket up), a
 * page at a time. The cursor `before` is the previous page's `nextBefore`: "<updatedAt ms>_<id>" of
 * its last ticket, opaque to the browser; a malformed one is bad input.
 */
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type TicketView, ticketView } from './ticket-view.js';
import { findTicketsPage } from './tickets.repo.js';

export const TICKETS_PAGE_MAX = 100;
const CURSOR = /^(\d{1,15})_(\d{1,15})$/;

export async function listMyTickets(opts: {
  db: Executor;
  userId: number;
  before?: string | undefined;
  /** 1..TICKETS_PAGE_MAX, default 20. */
  limit?: number | undefined;
}): Promise<Result<{ tickets: TicketView[]; nextBefore: string | null }, FailureOf<'invalid_param'>>> {
  let before: { updatedAt: number; id: number } | undefined;
  if (opts.before !== undefined) {
    const m = CURSOR.exec(opts.before);
    if (!m) return fail({ code: 'invalid_param', param: 'before' });
    before = { updatedAt: Number(m[1]), id: Number(m[2]) };
  }
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), TICKETS_PAGE_MAX);
  const rows = await findTicketsPage(opts.db, { userId: opts.userId, before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return ok({
    tickets: page.map(ticketView),
    nextBefore: rows.length > limit && last ? `${last.updatedAt}_${last.id}` : null,
  });
}
