/**
 * `backup`, `restore`, `move`: a snapshot of the whole panel to a file, a snapshot into an empty
 * database, and the panel moved to another database (docs/operations.md, "Backups and moving").
 * `restore` and `move` exit 2 when the copy does not verify (like `ledger check`).
 */
import type { Command } from 'commander';
import { createBackup } from '../../backup/create-backup.js';
import { moveDatabase } from '../../backup/move-database.js';
import { type RestoreReport, restoreBackup } from '../../backup/restore-backup.js';
import { loadConfig } from '../../config.js';
import { openDatabase, parseDatabaseUrl } from '../../db/connect.js';
import { type CliContext, unwrap } from '../context.js';

function verifyLines(r: RestoreReport): string[] {
  return [
    ...r.tables.map(
      (t) =>
        `  ${t.table}: ${t.restored} rows${t.restored === t.snapshot ? '' : ` (snapshot: ${t.snapshot})`}`,
    ),
    ...r.problems.map((p) => `  problem: ${p}`),
    ...r.ledgerProblems.map(
      (p) =>
        `  ledger ${p.kind} user ${p.userId ?? '-'} order ${p.orderId ?? '-'}: expected ${p.expected}, found ${p.actual}`,
    ),
    r.ok
      ? `verified: every table's rows and all ${r.users} balances equal the snapshot's, ledger check clean`
      : `NOT verified: ${r.problems.length + r.ledgerProblems.length} problem(s) above`,
  ];
}

const reportJson = (r: RestoreReport) => ({
  ok: r.ok,
  createdAt: r.createdAt,
  source: r.source,
  migrations: r.migrations,
  tables: r.tables,
  users: r.users,
  problems: r.problems,
  ledgerProblems: r.ledgerProblems,
});

export function register(program: Command, ctx: CliContext): void {
  const databaseUrl = () => loadConfig(ctx.io.env).DATABASE_URL;

  program
    .command('backup')
    .description(
      'write a consistent snapshot of the whole panel to FILE (gzip JSON lines), safe while it runs',
    )
    .requiredOption('--to <file>', 'the snapshot file to write')
    .option('--force', 'overwrite FILE if it exists')
    .action(async (o) => {
      const db = await ctx.database();
      const { dialect } = parseDatabaseUrl(databaseUrl());
      const r = unwrap(await createBackup({ db, dialect, path: o.to, force: !!o.force }));
      const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
      ctx.emit(
        { path: r.path, bytes: r.bytes, createdAt: r.createdAt, migrations: r.migrations, counts: r.counts },
        [
          `backup written: ${r.path} (${r.bytes} bytes, ${total} row${total === 1 ? '' : 's'}, as of ${r.createdAt})`,
          ...Object.entries(r.counts).map(([t, n]) => `  ${t}: ${n}`),
        ],
      );
    });

  program
    .command('restore')
    .description(
      'restore a snapshot FILE into the empty database DATABASE_URL names, then verify it (exit 2 if not)',
    )
    .requiredOption('--from <file>', 'the snapshot file (from `smm-panel backup`)')
    .action(async (o) => {
      // Opened without migrating: the schema is built to the snapshot's own migrations.
      const target = await openDatabase(databaseUrl(), { migrate: false });
      try {
        const r = unwrap(await restoreBackup({ db: target.db, dialect: target.dialect, path: o.from }));
        ctx.emit(reportJson(r), [
          `restored ${o.from} (made ${r.createdAt} on ${r.source})`,
          ...verifyLines(r),
        ]);
        if (!r.ok) ctx.setExitCode(2);
      } finally {
        await target.close();
      }
    });

  program
    .command('move')
    .description(
      'copy the whole panel into another, empty database and verify it (stop the panel and workers first)',
    )
    .requiredOption('--to <database-url>', 'the target database: postgres://... or sqlite:PATH')
    .action(async (o) => {
      const db = await ctx.database();
      const sourceUrl = databaseUrl();
      const { dialect } = parseDatabaseUrl(sourceUrl);
      const r = unwrap(await moveDatabase({ db, dialect, sourceUrl, targetUrl: o.to }));
      ctx.emit({ ...reportJson(r), target: r.target, switchTo: r.switchTo }, [
        `moved the panel from ${dialect} to ${r.target}`,
        ...verifyLines(r),
        r.ok
          ? `to switch, set ${r.switchTo} for the panel and its workers, then start them`
          : 'do not switch: the copy differs (see above)',
      ]);
      if (!r.ok) ctx.setExitCode(2);
    });
}
