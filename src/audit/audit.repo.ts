/** Writes and reads of the audit log. Append-only: there is no update or delete here, and the database refuses both. */
import type { Executor } from '../db/executor.js';

export interface AuditRow {
  at: number;
  actorId: number;
  actorKind: 'web' | 'cli';
  action: string;
  subjectType: string;
  subjectId: string;
  before: string | null;
  after: string | null;
  note: string | null;
}

export interface AuditEntry extends AuditRow {
  id: number;
  actorUsername: string;
}

export async function insertAuditEntry(db: Executor, row: AuditRow): Promise<number> {
  const r = await db
    .insertInto('audit_log')
    .values({
      at: row.at,
      actor_id: row.actorId,
      actor_kind: row.actorKind,
      action: row.action,
      subject_type: row.subjectType,
      subject_id: row.subjectId,
      before: row.before,
      after: row.after,
      note: row.note,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export interface AuditFilter {
  actorId?: number | undefined;
  /** 'funds' matches 'funds.adjust'; 'order.set_status' matches itself. */
  actionPrefix?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  /** Keyset paging: only entries with a smaller id (the last id of the previous page). */
  beforeId?: number | undefined;
  limit: number;
}

/** Entries matching the filter, newest first (id desc). */
export async function listAuditEntries(db: Executor, f: AuditFilter): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .innerJoin('users', 'users.id', 'audit_log.actor_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor_id',
      'audit_log.actor_kind',
      'audit_log.action',
      'audit_log.subject_type',
      'audit_log.subject_id',
      'audit_log.before',
      'audit_log.after',
      'audit_log.note',
      'users.username',
    ]);
  if (f.actorId !== undefined) q = q.where('audit_log.actor_id', '=', f.actorId);
  if (f.actionPrefix !== undefined) {
    // A prefix names whole dotted parts: 'order' matches 'order' and 'order.x', never 'orders.x'.
    const prefix = f.actionPrefix;
    q = q.where((eb) =>
      eb.or([
        eb('audit_log.action', '=', prefix),
        eb(eb.fn('substr', ['audit_log.action', eb.val(1), eb.val(prefix.length + 1)]), '=', `${prefix}.`),
      ]),
    );
  }
  if (f.subjectType !== undefined) q = q.where('audit_log.subject_type', '=', f.subjectType);
  if (f.subjectId !== undefined) q = q.where('audit_log.subject_id', '=', f.subjectId);
  if (f.since !== undefined) q = q.where('audit_log.at', '>=', f.since);
  if (f.until !== undefined) q = q.where('audit_log.at', '<', f.until);
  if (f.beforeId !== undefined) q = q.where('audit_log.id', '<', f.beforeId);
  const rows = await q.orderBy('audit_log.id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    actorId: Number(r.actor_id),
    actorKind: r.actor_kind === 'web' ? 'web' : 'cli',
    actorUsername: r.username,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    before: r.before,
    after: r.after,
    note: r.note,
  }));
}
