/** Use case: one user's tickets as staff see them (users.read), newest first (at most `limit`). */
import { can } from '../accounts/roles.js';
import { findUserById } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type TicketView, ticketView } from './ticket-view.js';
import { findTickets } from './tickets.repo.js';

export async function listUserTickets(opts: {
  db: Executor;
  actor: Actor;
  userId: number;
  limit?: number | undefined;
}): Promise<Result<{ tickets: TicketView[] }, FailureOf<'forbidden' | 'unknown_user'>>> {
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const u = await findUserById(opts.db, opts.userId);
  if (!u) return fail({ code: 'unknown_user' });
  const rows = await findTickets(opts.db, { userId: u.id, limit: opts.limit ?? 50 });
  return ok({ tickets: rows.map(ticketView) });
}
