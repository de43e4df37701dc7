/**
 * SQLite's checkpoints in a thread of their own (src/db/sqlite-checkpoints.ts): the long-running
 * processes move the WAL's pages into the database file without a commit on the event loop doing it,
 * report a failing thread, and leave nothing open when the database closes.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { startPanel } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connect.js';
import { checkpointInBackground, INLINE_CHECKPOINT_PAGES } from '../src/db/sqlite-checkpoints.js';
import { waitUntil } from './helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'smm-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;
/** Pages written in one transaction: more than SQLite's default inline threshold, fewer than ours. */
const WRITTEN_PAGES = 2000;

async function writePages(db: Awaited<ReturnType<typeof openDatabase>>['db']): Promise<void> {
  await sql`create table filler (x blob)`.execute(db);
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${WRITTEN_PAGES})
    insert into filler select randomblob(${PAGE - 200}) from n`.execute(db);
}

it('the panel writes the WAL back to the database file from its thread, not on a commit', async () => {
  expect(WRITTEN_PAGES).toBeGreaterThan(1000);
  expect(WRITTEN_PAGES).toBeLessThan(INLINE_CHECKPOINT_PAGES);
  const file = join(dir, 'background.db');
  const errors: string[] = [];
  const db = await openDatabase(`sqlite:${file}`, {
    migrate: false,
    backgroundCheckpoints: { onError: (m) => errors.push(m) },
  });
  try {
    const pages = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.db);
    expect(Number(pages.rows[0]?.wal_autocheckpoint)).toBe(INLINE_CHECKPOINT_PAGES);
    await writePages(db.db);
    // Below the connection's own threshold, only the thread moves the pages into the file.
    await waitUntil(
      'the pages in the database file',
      () => statSync(file).size >= WRITTEN_PAGES * PAGE,
      5000,
      25,
    );
    expect(errors).toEqual([]);
  } finally {
    await db.close();
  }
  // Both connections closed: the last one removed the WAL, which it does only when it is the last.
  expect(existsSync(`${file}-wal`)).toBe(false);
});

it('the panel as `npm start` runs it checkpoints in its thread, and leaves no WAL when it stops', async () => {
  const file = join(dir, 'panel', 'panel.db');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${file}`,
    PORT: '0',
    DATA_DIR: join(dir, 'panel'),
    LOG_LEVEL: 'silent',
  });
  const panel = await startPanel(config, () => {}, { secretsOnScreen: false, worker: false });
  try {
    const before = statSync(file).size;
    await writePages(panel.db.db);
    const grown = () => statSync(file).size >= before + WRITTEN_PAGES * PAGE;
    await waitUntil('the pages in the database file', grown, 5000, 25);
  } finally {
    await panel.stop();
  }
  expect(existsSync(`${file}-wal`)).toBe(false);
});

it('without the option a connection keeps SQLite’s own checkpoints (the CLI, the tests)', async () => {
  const file = join(dir, 'inline.db');
  const db = await openDatabase(`sqlite:${file}`, { migrate: false });
  try {
    const pages = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.db);
    expect(Number(pages.rows[0]?.wal_autocheckpoint)).toBe(1000);
  } finally {
    await db.close();
  }
});

it('a thread that cannot open the database reports it, and stops cleanly', async () => {
  const errors: string[] = [];
  const c = checkpointInBackground(join(dir, 'missing', 'none.db'), {
    onError: (m) => errors.push(m),
    everyMs: 20,
  });
  try {
    await waitUntil('an error', () => errors.length > 0, 5000, 25);
    expect(errors[0]).toMatch(
      /^background checkpoint failed: Cannot open database because the directory does not exist/,
    );
  } finally {
    await c.stop();
  }
  // Stopped on purpose: not reported as a thread that ended by itself.
  expect(errors.filter((m) => m.includes('ended'))).toEqual([]);
});

it('a checkpoint that fails is reported once while it keeps failing', async () => {
  const file = join(dir, 'locked.db');
  const errors: string[] = [];
  const db = await openDatabase(`sqlite:${file}`, { migrate: false });
  try {
    await sql`create table t (x integer)`.execute(db.db);
    // Another connection holds an exclusive lock: the thread's PASSIVE checkpoint cannot run.
    await sql`pragma locking_mode = exclusive`.execute(db.db);
    await sql`insert into t values (1)`.execute(db.db);
    const c = checkpointInBackground(file, { onError: (m) => errors.push(m), everyMs: 20 });
    try {
      await waitUntil('an error', () => errors.length > 0, 5000, 25);
      // About 30 more failed attempts at 20 ms each.
      await new Promise((r) => setTimeout(r, 600));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^background checkpoint failed: database is locked/);
    } finally {
      await c.stop();
    }
  } finally {
    await db.close();
  }
});
