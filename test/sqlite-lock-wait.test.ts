/**
 * SQLite with `asyncLockWait` (the serving process, src/app.ts): a write that finds the database
 * locked by another connection (the engine's thread, a worker process, the CLI) waits on timers while
 * the event loop serves others, and fails with SQLITE_BUSY only after the busy timeout. Without it,
 * SQLite's busy handler sleeps inside the call: the loop stops, and here the other connection's commit,
 * due on a timer of the same loop, could never run.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BUSY_TIMEOUT_MS, type Db, openDatabase } from '../src/db/connect.js';

describe('SQLite: waiting for another connection’s lock on the event loop', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(asyncLockWait: boolean): Promise<{ panel: Db; other: BetterSqlite3.Database }> {
    const dir = mkdtempSync(join(tmpdir(), 'smm-lockwait-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'panel.db');
    const panel = await openDatabase(`sqlite:${file}`, { asyncLockWait, durable: false });
    cleanups.push(() => panel.close());
    // The other connection: what the engine's thread or a worker process is to the serving one.
    const other = new BetterSqlite3(file);
    cleanups.push(() => {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    });
    return { panel, other };
  }

  /** Count a 5 ms timer's runs: how much the event loop did meanwhile. */
  function ticker() {
    let ticks = 0;
    const t = setInterval(() => ticks++, 5);
    cleanups.push(() => clearInterval(t));
    return () => ticks;
  }

  /** Write a setting with the other connection holding the lock throughout: SQLITE_BUSY after the timeout. */
  async function writeUntilBusy(panel: Db, key: string): Promise<{ waited: number; ticks: number }> {
    const ticks = ticker();
    const started = Date.now();
    await expect(panel.db.insertInto('settings').values({ key, value: '1' }).execute()).rejects.toMatchObject(
      {
        code: expect.stringMatching(/^SQLITE_BUSY/),
      },
    );
    return { waited: Date.now() - started, ticks: ticks() };
  }

  it('a write waits for the other connection’s commit while the loop keeps running, then lands', async () => {
    const { panel, other } = await setup(true);
    other.exec('begin immediate');
    other.prepare("insert into settings (key, value) values ('lockwait_other', '1')").run();
    setTimeout(() => other.exec('commit'), 300);
    const ticks = ticker();
    const started = Date.now();
    await panel.db.insertInto('settings').values({ key: 'lockwait_panel', value: '2' }).execute();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(BUSY_TIMEOUT_MS);
    // The loop ran all along: about one tick per 5 ms of the wait.
    expect(ticks()).toBeGreaterThanOrEqual(20);
    const rows = await panel.db
      .selectFrom('settings')
      .select(['key', 'value'])
      .where('key', 'in', ['lockwait_other', 'lockwait_panel'])
      .orderBy('key')
      .execute();
    expect(rows).toEqual([
      { key: 'lockwait_other', value: '1' },
      { key: 'lockwait_panel', value: '2' },
    ]);
  });

  it('a transaction waits for it the same way, and reads meanwhile are not held', async () => {
    const { panel, other } = await setup(true);
    other.exec('begin immediate');
    setTimeout(() => other.exec('commit'), 200);
    const ticks = ticker();
    const write = panel.db.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'lockwait_tx', value: 'a' }).execute();
      await trx.updateTable('settings').set({ value: 'b' }).where('key', '=', 'lockwait_tx').execute();
    });
    await write;
    expect(ticks()).toBeGreaterThanOrEqual(10);
    const row = await panel.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'lockwait_tx')
      .executeTakeFirst();
    expect(row?.value).toBe('b');
  });

  it('a lock held past the busy timeout fails the write with SQLITE_BUSY, the loop running meanwhile, and nothing is written', async () => {
    const { panel, other } = await setup(true);
    other.exec('begin immediate');
    const { waited, ticks } = await writeUntilBusy(panel, 'lockwait_late');
    expect(waited).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 50);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(BUSY_TIMEOUT_MS / 5 / 4));
    other.exec('commit');
    const row = await panel.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'lockwait_late')
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('without it (the CLI, the engine’s own thread) SQLite’s handler waits with the loop stopped', async () => {
    const { panel, other } = await setup(false);
    other.exec('begin immediate');
    const { waited, ticks } = await writeUntilBusy(panel, 'lockwait_sync');
    expect(waited).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 50);
    expect(ticks).toBe(0);
  });
});
