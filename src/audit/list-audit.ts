/** Use case: staff read the audit log, filtered by actor, action prefix, subject and period, newest first. */
import { can } from '../accounts/roles.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import type { Actor } from './actor.js';
import { type AuditEntry, listAuditEntries } from './audit.repo.js';

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  via: 'web' | 'cli';
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
  note: string | null;
}

function view(e: AuditEntry): AuditView {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: e.actorUsername,
    via: e.actorKind,
    action: e.action,
    subject: `${e.subjectType}:${e.subjectId}`,
    before: e.before === null ? null : JSON.parse(e.before),
    after: e.after === null ? null : JSON.parse(e.after),
    note: e.note,
  };
}

export async function listAudit(opts: {
  db: Executor;
  actor: Actor;
  filter: {
    actorUsername?: string | undefined;
    actionPrefix?: string | undefined;
    /** `type:id`, e.g. `order:123`, or just the type. */
    subject?: string | undefined;
    since?: number | undefined;
    until?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  };
}): Promise<
  Result<
    { entries: AuditView[]; nextBeforeId: number | null },
    FailureOf<'forbidden' | 'unknown_user' | 'invalid_period'>
  >
> {
  const { db, filter } = opts;
  if (!can(opts.actor.role, 'audit.read')) return fail({ code: 'forbidden' });
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    return fail({ code: 'invalid_period' });
  let actorId: number | undefined;
  if (filter.actorUsername !== undefined) {
    const u = await findUserByUsername(db, filter.actorUsername);
    if (!u) return fail({ code: 'unknown_user' });
    actorId = u.id;
  }
  let subjectType: string | undefined;
  let subjectId: string | undefined;
  if (filter.subject !== undefined) {
    const i = filter.subject.indexOf(':');
    subjectType = i < 0 ? filter.subject : filter.subject.slice(0, i);
    subjectId = i < 0 ? undefined : filter.subject.slice(i + 1);
  }
  const rows = await listAuditEntries(db, {
    actorId,
    actionPrefix: filter.actionPrefix,
    subjectType,
    subjectId,
    since: filter.since,
    until: filter.until,
    beforeId: filter.beforeId,
    limit: filter.limit,
  });
  const last = rows.at(-1);
  return ok({
    entries: rows.map(view),
    nextBeforeId: rows.length === filter.limit && last ? last.id : null,
  });
}
