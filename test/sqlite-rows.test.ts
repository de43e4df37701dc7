/**
 * How the SQLite driver (src/db/sqlite-driver.ts) hands rows to Kysely: it reads them as arrays and
 * makes each an object with a function built once per statement. The objects must be what
 * better-sqlite3's own would be: every column by name, integers exact (a number when it fits 2^53, a
 * bigint beyond), text, blobs and nulls as they are, a repeated column name holding its last value; and
 * a statement prepared before a migration must read the columns the table has after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/connect.js';
import { rowBuilder } from '../src/db/sqlite-driver.js';

describe('SQLite rows', () => {
  let dir: string | null = null;
  let db: Db | null = null;
  afterEach(async () => {
    await db?.close();
    db = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  async function open(): Promise<Db> {
    dir = mkdtempSync(join(os.tmpdir(), 'smm-sqlite-rows-'));
    db = await openDatabase(`sqlite:${join(dir, 'panel.db')}`, { migrate: false });
    return db;
  }

  it('reads every kind of value exactly, by column name', async () => {
    const k = (await open()).db;
    await sql`create table t (id integer primary key, big integer, neg integer, txt text, blob blob, missing integer, real real)`.execute(
      k,
    );
    const big = 2n ** 53n + 1n;
    await sql`insert into t values (1, ${big}, ${-(2n ** 60n)}, ${'héllo "x"'}, ${Buffer.from([0, 255])}, null, 1.5)`.execute(
      k,
    );
    await sql`insert into t values (2, ${Number.MAX_SAFE_INTEGER}, ${Number.MIN_SAFE_INTEGER}, '', x'', null, -0.25)`.execute(
      k,
    );
    const rows = (await sql<Record<string, unknown>>`select * from t order by id`.execute(k)).rows;
    expect(rows).toEqual([
      {
        id: 1,
        big,
        neg: -(2n ** 60n),
        txt: 'héllo "x"',
        blob: Buffer.from([0, 255]),
        missing: null,
        real: 1.5,
      },
      {
        id: 2,
        big: Number.MAX_SAFE_INTEGER,
        neg: Number.MIN_SAFE_INTEGER,
        txt: '',
        blob: Buffer.alloc(0),
        missing: null,
        real: -0.25,
      },
    ]);
    expect(typeof rows[1]?.big).toBe('number');
    expect(typeof rows[0]?.big).toBe('bigint');
    // The same statement again (built once, cached): the same answer.
    expect((await sql<Record<string, unknown>>`select * from t order by id`.execute(k)).rows).toEqual(rows);
    expect((await sql`select * from t where id = 3`.execute(k)).rows).toEqual([]);
  });

  it('names that need quoting, and a repeated name keeps its last value', async () => {
    const k = (await open()).db;
    const r = await sql<
      Record<string, unknown>
    >`select 1 as "a""b", 2 as "x y", 3 as "\\", 4 as a, 5 as a`.execute(k);
    expect(r.rows).toEqual([{ 'a"b': 1, 'x y': 2, '\\': 3, a: 5 }]);
    expect(rowBuilder(['"+process.exit()+"', "');process.exit('"])([1, 2])).toEqual({
      '"+process.exit()+"': 1,
      "');process.exit('": 2,
    });
  });

  it('a statement read before a migration reads the new columns after it', async () => {
    const k = (await open()).db;
    await sql`create table t (id integer primary key, a text)`.execute(k);
    await sql`insert into t values (1, 'x')`.execute(k);
    expect((await sql`select * from t`.execute(k)).rows).toEqual([{ id: 1, a: 'x' }]);
    await sql`alter table t add column b integer default 7`.execute(k);
    expect((await sql`select * from t`.execute(k)).rows).toEqual([{ id: 1, a: 'x', b: 7 }]);
    await sql`alter table t rename column a to c`.execute(k);
    expect((await sql`select * from t`.execute(k)).rows).toEqual([{ id: 1, c: 'x', b: 7 }]);
  });

  it('a migration made by another connection: the width changes, the names are read again', async () => {
    const path = join(mkdtempSync(join(os.tmpdir(), 'smm-sqlite-rows-')), 'panel.db');
    dir = join(path, '..');
    db = await openDatabase(`sqlite:${path}`, { migrate: false });
    const other = await openDatabase(`sqlite:${path}`, { migrate: false });
    try {
      await sql`create table t (id integer primary key, a text)`.execute(db.db);
      await sql`insert into t values (1, 'x')`.execute(db.db);
      expect((await sql`select * from t`.execute(db.db)).rows).toEqual([{ id: 1, a: 'x' }]);
      await sql`alter table t add column b integer default 7`.execute(other.db);
      expect((await sql`select * from t`.execute(db.db)).rows).toEqual([{ id: 1, a: 'x', b: 7 }]);
    } finally {
      await other.close();
    }
  });
});
