/**
 * preparedQuery (src/db/prepared.ts): a query compiled once runs again with each call's own values, on
 * both databases, constants of the query kept in their places; a builder whose values cannot be placed
 * (a value used twice) is built on every call instead, with the same answers.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Executor } from '../src/db/executor.js';
import { preparedQuery } from '../src/db/prepared.js';
import { seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('a query compiled once', (ctx) => {
  it('answers each call with its own values, constants kept', async () => {
    const db = ctx().db.db;
    const a = await seedUser(db, '1.00');
    const b = await seedUser(db, '2.00');
    const find = preparedQuery(
      (d, name: string) =>
        (d as Executor)
          .selectFrom('users')
          .select(['id', 'username', sql<string>`${'constant'}`.as('c')])
          .where('role', '=', 'customer')
          .where('username', '=', name),
      1,
    );
    for (const u of [a, b, a, b]) {
      const rows = await find(db, u.username);
      expect(rows.map((r) => [Number(r.id), r.username, r.c])).toEqual([[u.id, u.username, 'constant']]);
    }
    expect(await find(db, 'nobody-by-that-name')).toEqual([]);
    // Inside a transaction too.
    const inTx = await db.transaction().execute((tx) => find(tx, b.username));
    expect(inTx.map((r) => Number(r.id))).toEqual([b.id]);
  });

  it('a value used twice cannot be placed: the query is built on every call, answers the same', async () => {
    const db = ctx().db.db;
    const a = await seedUser(db, '1.00');
    const twice = preparedQuery(
      (d, name: string) =>
        (d as Executor)
          .selectFrom('users')
          .select('id')
          .where((eb) => eb.or([eb('username', '=', name), eb('email', '=', name)])),
      1,
    );
    expect((await twice(db, a.username)).map((r) => Number(r.id))).toEqual([a.id]);
    expect(await twice(db, 'nobody')).toEqual([]);
  });
});
