/**
 * Use case: move the whole panel to another database (SQLite -> Postgres or back): a snapshot of the
 * current database restored into the target (which must be new and empty) and verified there (rows
 * per table, every balance, `ledger check`). Refused while a worker runs on the source: an order it
 * sends after the snapshot would be lost to the target. The panel itself should be stopped too (orders
 * placed after the snapshot are not moved); docs/operations.md says so. No actor, no audit entry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, parseDatabaseUrl } from '../db/connect.js';
import type { DialectName, Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { newestHeartbeat } from './backup.repo.js';
import { createBackup } from './create-backup.js';
import { type RestoreReport, restoreBackup } from './restore-backup.js';

/** A heartbeat this recent means a worker is running (workers beat every 5 s). */
export const WORKER_ALIVE_MS = 30_000;

export interface MoveReport extends RestoreReport {
  target: DialectName;
  /** What to put in the panel's environment to switch. */
  switchTo: string;
}

export async function moveDatabase(opts: {
  db: Executor;
  dialect: DialectName;
  sourceUrl: string;
  targetUrl: string;
  now?: () => number;
}): Promise<
  Result<
    MoveReport,
    FailureOf<
      | 'same_database'
      | 'worker_running'
      | 'snapshot_unreadable'
      | 'snapshot_too_new'
      | 'target_not_empty'
      | 'target_schema_mismatch'
    >
  >
> {
  const { db, dialect, sourceUrl, targetUrl } = opts;
  const target = parseDatabaseUrl(targetUrl);
  const source = parseDatabaseUrl(sourceUrl);
  if (target.dialect === source.dialect && target.target === source.target)
    return fail({ code: 'same_database' });
  const now = (opts.now ?? Date.now)();
  const seen = await newestHeartbeat(db);
  if (seen !== null && now - seen < WORKER_ALIVE_MS) {
    return fail({ code: 'worker_running', secondsAgo: Math.max(0, Math.round((now - seen) / 1000)) });
  }

  const dir = await mkdtemp(join(tmpdir(), 'smm-panel-move-'));
  try {
    const file = join(dir, 'panel.snapshot.gz');
    const backup = await createBackup({ db, dialect, path: file, now: opts.now });
    if (!backup.ok) throw new Error(`backup into a new temporary file failed: ${backup.failure.code}`);
    const to = await openDatabase(targetUrl, { migrate: false });
    try {
      const r = await restoreBackup({ db: to.db, dialect: to.dialect, path: file });
      if (!r.ok) return r;
      return ok({ ...r.value, target: to.dialect, switchTo: `DATABASE_URL=${targetUrl}` });
    } finally {
      await to.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
