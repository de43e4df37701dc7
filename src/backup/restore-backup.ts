/**
 * Use case: restore a snapshot file into an empty database of either kind, keeping every id, and
 * check the result. The whole file is read and checked first (a corrupt or cut file changes nothing);
 * a snapshot from a newer version (a migration unknown here) and a database that has rows are refused.
 * The target is migrated to the snapshot's own migrations, the rows go in one transaction in foreign
 * key order, Postgres identity sequences are set past the highest ids, and any later migration of this
 * version runs after. Then the copy is verified: rows per table and every balance equal the snapshot's,
 * and `ledger check` is clean. An operator command: no actor, no audit entry.
 */
import type { DialectName, Executor } from '../db/executor.js';
import { executedMigrations, knownMigrations, migrateToLatest, migrateUpTo } from '../db/migrations.js';
import { inTransaction } from '../db/transaction.js';
import { checkLedger, type LedgerProblem } from '../ledger/check-ledger.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import {
  columnsOf,
  countRows,
  insertRows,
  type Row,
  resetIdentity,
  tableExists,
  userBalances,
} from './backup.repo.js';
import { readSnapshotFile, type SnapshotHeader, SnapshotUnreadable } from './snapshot-file.js';
import { SNAPSHOT_TABLES, TABLE_NAMES } from './snapshot-tables.js';

const BATCH = 100;

export interface VerifyReport {
  /** Rows per table: in the snapshot and in the database now. */
  tables: { table: string; snapshot: number; restored: number }[];
  users: number;
  /** Differences found; empty when the copy is exact. */
  problems: string[];
  ledgerProblems: LedgerProblem[];
  ok: boolean;
}

export interface RestoreReport extends VerifyReport {
  createdAt: string;
  source: string;
  migrations: string[];
}

interface Inspected {
  header: SnapshotHeader;
  counts: Record<string, number>;
  balances: Map<string, string>;
}

async function inspect(path: string): Promise<Inspected> {
  let header: SnapshotHeader | undefined;
  let counts: Record<string, number> = {};
  const balances = new Map<string, string>();
  for await (const rec of readSnapshotFile(path)) {
    if (rec.kind === 'header') header = rec.header;
    else if (rec.kind === 'end') counts = rec.counts;
    else if (rec.table === 'users') balances.set(String(rec.row.id), String(rec.row.balance_units));
  }
  return { header: header as SnapshotHeader, counts, balances };
}

/** Compare a database with a snapshot's row counts and balances, and run the ledger check. */
export async function verifyRestore(
  db: Executor,
  counts: Record<string, number>,
  balances: Map<string, string>,
  /** The tables the snapshot holds: one it predates is made by the later migrations, not compared. */
  held: readonly string[] = TABLE_NAMES,
): Promise<VerifyReport> {
  const problems: string[] = [];
  const tables: VerifyReport['tables'] = [];
  for (const t of TABLE_NAMES.filter((name) => held.includes(name))) {
    const restored = await countRows(db, t);
    const snapshot = counts[t] ?? 0;
    tables.push({ table: t, snapshot, restored });
    if (restored !== snapshot)
      problems.push(`table ${t}: ${snapshot} rows in the snapshot, ${restored} restored`);
  }
  const now = await userBalances(db);
  for (const u of now) {
    const want = balances.get(String(u.id));
    if (want === undefined) problems.push(`user ${String(u.id)} is not in the snapshot`);
    else if (want !== String(u.balance))
      problems.push(`user ${String(u.id)}: balance ${String(u.balance)}, the snapshot says ${want}`);
  }
  if (now.length !== balances.size)
    problems.push(`${balances.size} users in the snapshot, ${now.length} restored`);
  const ledger = await checkLedger({ db });
  return {
    tables,
    users: now.length,
    problems,
    ledgerProblems: ledger.problems,
    ok: problems.length === 0 && ledger.problems.length === 0,
  };
}

/** The first row naming a column its table does not have, described; null when every row fits. */
async function firstUnknownColumn(path: string, columns: Map<string, Set<string>>): Promise<string | null> {
  for await (const rec of readSnapshotFile(path)) {
    if (rec.kind !== 'row') continue;
    const known = columns.get(rec.table);
    const bad = Object.keys(rec.row).find((c) => !known?.has(c));
    if (bad !== undefined) return `table ${rec.table} has no column ${bad}`;
  }
  return null;
}

export async function restoreBackup(opts: {
  /** The target, opened without running migrations (connect.ts `migrate: false`). */
  db: Executor;
  dialect: DialectName;
  path: string;
}): Promise<
  Result<
    RestoreReport,
    FailureOf<'snapshot_unreadable' | 'snapshot_too_new' | 'target_not_empty' | 'target_schema_mismatch'>
  >
> {
  const { db, dialect, path } = opts;
  let inspected: Inspected;
  try {
    inspected = await inspect(path);
  } catch (err) {
    if (err instanceof SnapshotUnreadable || (err as { code?: string }).code === 'ENOENT') {
      return fail({ code: 'snapshot_unreadable', path, reason: (err as Error).message });
    }
    throw err;
  }
  const { header, counts, balances } = inspected;
  const known = knownMigrations();
  const unknown = header.migrations.find((m) => !known.includes(m));
  if (unknown) return fail({ code: 'snapshot_too_new', migration: unknown });
  if (header.migrations.some((m, i) => known[i] !== m) || header.migrations.length === 0) {
    return fail({
      code: 'snapshot_unreadable',
      path,
      reason: 'its migration list does not match this version',
    });
  }
  const strange = header.tables.find((t) => !TABLE_NAMES.includes(t));
  if (strange) return fail({ code: 'snapshot_unreadable', path, reason: `unknown table ${strange}` });
  const missingTable = TABLE_NAMES.find((t) => !header.tables.includes(t));
  if (missingTable && header.migrations.length === known.length) {
    return fail({ code: 'snapshot_unreadable', path, reason: `table ${missingTable} is missing` });
  }
  const last = header.migrations[header.migrations.length - 1] as string;

  const executed = await executedMigrations(db);
  if (executed.length > 0) {
    // Refuse a database with rows before anything else: it is somebody's panel.
    for (const t of TABLE_NAMES) {
      if ((await tableExists(db, t)) && (await countRows(db, t)) > 0)
        return fail({ code: 'target_not_empty', table: t });
    }
    if (executed.join() !== header.migrations.join()) {
      return fail({
        code: 'target_schema_mismatch',
        target: executed[executed.length - 1] as string,
        snapshot: last,
      });
    }
  } else {
    await migrateUpTo(db, dialect, last);
  }

  // The columns the rows may name (the file's keys become column names: only real ones pass).
  const columns = await columnsOf(db);
  const badColumn = await firstUnknownColumn(path, columns);
  if (badColumn) return fail({ code: 'snapshot_unreadable', path, reason: badColumn });

  await inTransaction(db, async (tx) => {
    let table = '';
    let batch: Row[] = [];
    const flush = async () => {
      await insertRows(tx, table, batch);
      batch = [];
    };
    for await (const rec of readSnapshotFile(path)) {
      if (rec.kind !== 'row') continue;
      if (rec.table !== table || batch.length >= BATCH) await flush();
      table = rec.table;
      batch.push(rec.row);
    }
    await flush();
    if (dialect === 'postgres') {
      for (const t of SNAPSHOT_TABLES) {
        if (t.key.length === 1 && t.key[0] === 'id' && header.tables.includes(t.name))
          await resetIdentity(tx, t.name);
      }
    }
  });
  // The snapshot's schema may be older than this version's: the rest of the migrations now run on it.
  await migrateToLatest(db, dialect);

  const report = await verifyRestore(db, counts, balances, header.tables);
  return ok({ ...report, createdAt: header.createdAt, source: header.source, migrations: header.migrations });
}
