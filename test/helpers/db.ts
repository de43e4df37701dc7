/**
 * The database matrix: `describeEachDb` runs a suite once on a fresh SQLite file and once on a fresh
 * Postgres database, each created for this file and removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { type Db, type DialectName, openDatabase } from '../../src/db/connect.js';
import { createPgDatabase } from './pg.js';

export interface TestDb {
  db: Db;
  url: string;
  dialect: DialectName;
}

export const pgEnabled = () => process.env.SMM_TEST_PG === '1';

/** Create a fresh, migrated database of the given dialect; `cleanup` closes and removes it. */
export async function freshDatabase(dialect: DialectName): Promise<TestDb & { cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'smm-test-'));
    const url = `sqlite:${join(dir, 'panel.db')}`;
    // A throwaway file: no sync per commit (the panel's own processes, spawned by some tests, sync).
    const db = await openDatabase(url, { durable: false });
    return {
      db,
      url,
      dialect,
      async cleanup() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pgDb = await createPgDatabase();
  const db = await openDatabase(pgDb.url, { poolSize: 20 });
  return {
    db,
    url: pgDb.url,
    dialect,
    async cleanup() {
      await db.close();
      await pgDb.drop();
    },
  };
}

export function describeEachDb(name: string, body: (ctx: () => TestDb) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const run = dialect === 'sqlite' || pgEnabled();
    (run ? describe : describe.skip)(`${name} [${dialect}]`, () => {
      let current: (TestDb & { cleanup(): Promise<void> }) | undefined;
      beforeAll(async () => {
        current = await freshDatabase(dialect);
      });
      afterAll(async () => {
        await current?.cleanup();
      });
      body(() => {
        if (!current) throw new Error('database not ready');
        return current;
      });
    });
  }
}
