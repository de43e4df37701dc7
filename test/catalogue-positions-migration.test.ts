/**
 * Migration 0014 (catalogue positions) on rows written before it, on SQLite and Postgres: the order
 * customers saw (category by the database's sort of the name, then id) is the order after it, every
 * category gets its place, and a category created afterwards goes last.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import { createService } from '../src/catalog/create-service.js';
import { listServices } from '../src/catalog/list-services.js';
import { type Db, openDatabase } from '../src/db/connect.js';
import { migrateToLatest, migrateUpTo } from '../src/db/migrations.js';
import { pgEnabled } from './helpers/db.js';
import { createPgDatabase } from './helpers/pg.js';

async function oldDatabase(dialect: 'sqlite' | 'postgres'): Promise<{ db: Db; cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'smm-mig-'));
    const db = await openDatabase(`sqlite:${join(dir, 'panel.db')}`, { migrate: false });
    return {
      db,
      async cleanup() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pg = await createPgDatabase();
  const db = await openDatabase(pg.url, { migrate: false });
  return {
    db,
    async cleanup() {
      await db.close();
      await pg.drop();
    },
  };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  (dialect === 'sqlite' || pgEnabled() ? describe : describe.skip)(`migration 0014 [${dialect}]`, () => {
    it('keeps the order customers saw and puts a new category last', async () => {
      const { db, cleanup } = await oldDatabase(dialect);
      try {
        await migrateUpTo(db.db, dialect, '0011_staff_audit');
        const row = (name: string, category: string) => ({
          name,
          category,
          type: 'Default',
          rate_units: 10_000_000n,
          min_quantity: 1n,
          max_quantity: 100n,
          dripfeed: 0,
          refill: 0,
          cancel: 0,
          description: '',
          created_at: 0,
        });
        // biome-ignore lint/suspicious/noExplicitAny: the schema before 0014 has no position column
        const old = db.db as any;
        for (const [name, category] of [
          ['t1', 'TikTok'],
          ['i1', 'Instagram'],
          ['y1', 'YouTube'],
          ['i2', 'Instagram'],
          ['t2', 'TikTok'],
        ])
          await old
            .insertInto('services')
            .values(row(name as string, category as string))
            .execute();
        const before = (
          await old.selectFrom('services').select('name').orderBy('category').orderBy('id').execute()
        ).map((r: { name: string }) => r.name);
        expect(before).toEqual(['i1', 'i2', 't1', 't2', 'y1']);

        await migrateToLatest(db.db, dialect);
        expect((await listServices({ db: db.db, userId: null })).map((s) => s.name)).toEqual(before);
        const places = await db.db
          .selectFrom('categories')
          .select(['name', 'position'])
          .orderBy('position')
          .execute();
        expect(places.map((p) => [p.name, Number(p.position)])).toEqual([
          ['Instagram', 1],
          ['TikTok', 2],
          ['YouTube', 3],
        ]);
        // A category created now goes last even though its name sorts first.
        const r = await createService({
          db: db.db,
          actor: SYSTEM,
          input: {
            name: 'a1',
            category: 'Aardvark',
            type: 'Default',
            rateUnits: 10_000_000n,
            min: 1n,
            max: 10n,
          },
        });
        expect(r.ok).toBe(true);
        expect((await listServices({ db: db.db, userId: null })).map((s) => s.name)).toEqual([
          ...before,
          'a1',
        ]);
      } finally {
        await cleanup();
      }
    });
  });
}
