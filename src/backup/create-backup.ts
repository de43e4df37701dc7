/**
 * Use case: write a snapshot of the whole panel to a file while it runs and takes orders. Every table
 * is read inside ONE read transaction (one point in time: an order placed meanwhile is either there
 * with all its ledger entries or not at all), page by page in key order so a big panel is streamed,
 * not held in memory. The file is written as FILE.tmp and renamed when complete, so FILE is never half
 * a snapshot. An operator command: no actor, no audit entry (docs/operations.md).
 */
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { DialectName, Executor } from '../db/executor.js';
import { executedMigrations } from '../db/migrations.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { inReadSnapshot, readPage } from './backup.repo.js';
import {
  encodeRow,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SnapshotHeader,
  writeSnapshotFile,
} from './snapshot-file.js';
import { SNAPSHOT_TABLES, TABLE_NAMES } from './snapshot-tables.js';

const PAGE = 500;

export interface BackupReport {
  path: string;
  bytes: number;
  createdAt: string;
  migrations: string[];
  counts: Record<string, number>;
}

export async function createBackup(opts: {
  db: Executor;
  dialect: DialectName;
  path: string;
  /** Replace an existing file. */
  force?: boolean;
  now?: () => number;
}): Promise<Result<BackupReport, FailureOf<'backup_file_exists'>>> {
  const { db, dialect, path } = opts;
  if (existsSync(path) && !opts.force) return fail({ code: 'backup_file_exists', path });
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true });
  const counts: Record<string, number> = Object.fromEntries(TABLE_NAMES.map((t) => [t, 0]));
  let header: SnapshotHeader | undefined;
  try {
    await inReadSnapshot(db, dialect, async (tx) => {
      header = {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        migrations: await executedMigrations(tx),
        createdAt: new Date((opts.now ?? Date.now)()).toISOString(),
        source: dialect,
        tables: [...TABLE_NAMES],
      };
      const head = header;
      await writeSnapshotFile(tmp, async function* () {
        yield JSON.stringify(head);
        for (const table of SNAPSHOT_TABLES) {
          let after: unknown[] | null = null;
          for (;;) {
            const rows = await readPage(tx, table, after, PAGE);
            for (const r of rows) yield JSON.stringify({ t: table.name, r: encodeRow(r) });
            counts[table.name] = (counts[table.name] ?? 0) + rows.length;
            if (rows.length < PAGE) break;
            const last = rows[rows.length - 1] as Record<string, unknown>;
            after = table.key.map((k) => last[k]);
          }
        }
        yield JSON.stringify({ end: { counts } });
      });
    });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const h = header as SnapshotHeader;
  return ok({
    path,
    bytes: (await stat(path)).size,
    createdAt: h.createdAt,
    migrations: h.migrations,
    counts,
  });
}
