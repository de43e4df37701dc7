/**
 * The panel's SQLite database syncs every commit to disk before it returns (docs/operations.md, "What
 * a power cut can lose"); only a throwaway database opened with `durable: false` (the tests') skips it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';

const dir = mkdtempSync(join(tmpdir(), 'smm-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pragmas(durable?: boolean) {
  const db = await openDatabase(
    `sqlite:${join(dir, `p${durable}.db`)}`,
    durable === undefined ? {} : { durable },
  );
  try {
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db.db);
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.db);
    return { synchronous: Number(sync.rows[0]?.synchronous), journal: journal.rows[0]?.journal_mode };
  } finally {
    await db.close();
  }
}

it('the panel opens SQLite in WAL mode with synchronous = FULL (2): a commit is on disk when it returns', async () => {
  expect(await pragmas()).toEqual({ synchronous: 2, journal: 'wal' });
});

it('a throwaway database opened with durable: false uses NORMAL (1)', async () => {
  expect(await pragmas(false)).toEqual({ synchronous: 1, journal: 'wal' });
});
