/**
 * The one way operator use cases write the audit log: called INSIDE the use case's transaction, so the
 * entry and the change commit together or not at all. Before and after are what the action changed,
 * as JSON; any field whose name looks like a secret is masked, so no password, key or hash is kept.
 */
import type { Executor } from '../db/executor.js';
import type { Actor } from './actor.js';
import { insertAuditEntry } from './audit.repo.js';

export const MASK = '***';

const SECRET_NAME = /pass(word)?|secret|api_?key|hash|token/i;

/** A JSON-safe copy with secrets masked and bigints as strings. */
function clean(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = SECRET_NAME.test(k) && v !== null && v !== '' ? MASK : clean(v);
    }
    return out;
  }
  return value;
}

export function auditJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(clean(value));
}

export async function recordAudit(
  tx: Executor,
  entry: {
    actor: Actor;
    action: string;
    subject: { type: string; id: number | string };
    before?: unknown;
    after?: unknown;
    note?: string | null | undefined;
    now?: number | undefined;
  },
): Promise<void> {
  await insertAuditEntry(tx, {
    at: entry.now ?? Date.now(),
    actorId: entry.actor.id,
    actorKind: entry.actor.kind,
    action: entry.action,
    subjectType: entry.subject.type,
    subjectId: String(entry.subject.id),
    before: auditJson(entry.before),
    after: auditJson(entry.after),
    note: entry.note ?? null,
  });
}
