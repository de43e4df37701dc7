/**
 * Use case: one user's live web sessions as staff see them (users.read): when opened and last used,
 * the device and the address, most recently used first.
 */
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { listMySessions, type SessionView } from './list-my-sessions.js';
import { can } from './roles.js';
import { findUserById } from './users.repo.js';

export async function listUserSessions(opts: {
  db: Executor;
  actor: Actor;
  userId: number;
  now?: number;
}): Promise<Result<{ sessions: Omit<SessionView, 'current'>[] }, FailureOf<'forbidden' | 'unknown_user'>>> {
  if (!can(opts.actor.role, 'users.read')) return fail({ code: 'forbidden' });
  const u = await findUserById(opts.db, opts.userId);
  if (!u) return fail({ code: 'unknown_user' });
  const r = await listMySessions({ db: opts.db, userId: u.id, currentSessionId: -1, now: opts.now });
  return ok({ sessions: r.sessions.map(({ current: _c, ...s }) => s) });
}
