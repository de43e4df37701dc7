/**
 * Use case: a signed-in user's web sessions (those not expired): the one asking first, then the most
 * recently used, each with a short description of its device.
 */
import type { Executor } from '../db/executor.js';
import { findUserSessions } from './sessions.repo.js';
import { describeDevice } from './user-agent.js';

export interface SessionView {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** "Chrome on Android"; null when the User-Agent told nothing. */
  device: string | null;
  browser: string | null;
  os: string | null;
  ip: string | null;
  current: boolean;
}

export async function listMySessions(opts: {
  db: Executor;
  userId: number;
  currentSessionId: number;
  now?: number;
}): Promise<{ sessions: SessionView[] }> {
  const rows = await findUserSessions(opts.db, opts.userId, opts.now ?? Date.now());
  const iso = (ms: number) => new Date(ms).toISOString();
  const current = rows.filter((s) => s.id === opts.currentSessionId);
  const others = rows.filter((s) => s.id !== opts.currentSessionId);
  return {
    sessions: [...current, ...others].map((s) => {
      const d = describeDevice(s.userAgent);
      return {
        id: s.id,
        createdAt: iso(s.createdAt),
        lastSeenAt: iso(s.lastSeenAt),
        expiresAt: iso(s.expiresAt),
        device: d.label,
        browser: d.browser,
        os: d.os,
        ip: s.ip,
        current: s.id === opts.currentSessionId,
      };
    }),
  };
}
