/**
 * preparedQuery (src/db/prepared.ts): a query compiled once runs again with each call's own values, on
 * both databases, constants of the query kept in their places; a builder whose values cannot be placed
 * (a value used twice) is built on every call instead, with the same answers. On Postgres the API key
 * lookup goes as a named prepared statement, which each connection prepares once.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { preparedQuery } from '../src/db/prepared.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb, pgEnabled } from './helpers/db.js';
import { createPgDatabase } from './helpers/pg.js';

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

describe.skipIf(!pgEnabled())('Postgres: compiled-once queries are named prepared statements', () => {
  it('the API key lookup is prepared once on the connection and answers every call', async () => {
    const pgDb = await createPgDatabase();
    // One connection, so the session that answers the API is the one asked what it prepared.
    const db = await openDatabase(pgDb.url, { poolSize: 1 });
    const app = await makeApi(db.db);
    try {
      const a = await seedUser(db.db, '1.00');
      const b = await seedUser(db.db, '2.50');
      for (const [u, balance] of [
        [a, '1.00'],
        [b, '2.50'],
        [a, '1.00'],
      ] as const)
        expect((await callApi(app, { key: u.apiKey, action: 'balance' })).body).toEqual({
          balance,
          currency: 'USD',
        });
      expect((await callApi(app, { key: 'not-a-key', action: 'balance' })).body).toEqual({
        error: 'Invalid API key',
      });
      const prepared = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements`.execute(db.db);
      const lookups = prepared.rows.filter(
        (r) => /from "users"/.test(r.statement) && /api_key_hash/.test(r.statement),
      );
      expect(lookups).toHaveLength(1);
      expect(lookups[0]?.name).toMatch(/^smm_\d+$/);
    } finally {
      await app.close();
      await db.close();
      await pgDb.drop();
    }
  });
  it('the one-statement order batch is prepared once and places every order of each batch exactly', async () => {
    const pgDb = await createPgDatabase();
    const db = await openDatabase(pgDb.url, { poolSize: 1 });
    const app = await makeApi(db.db);
    try {
      const service = await seedService(db.db, { rate: '1.00' });
      const u = await seedUser(db.db, '10.00');
      // Three rounds of four adds arriving together: each round a batch of one account.
      const ids: number[] = [];
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(
          [0, 1, 2, 3].map((i) =>
            callApi(app, {
              key: u.apiKey,
              action: 'add',
              service,
              link: `https://x.com/named${round}-${i}`,
              quantity: 100,
            }),
          ),
        );
        for (const a of answers) {
          expect(a.body.order, JSON.stringify(a.body)).toBeTypeOf('number');
          ids.push(a.body.order as number);
        }
      }
      expect(new Set(ids).size).toBe(12);
      // 12 orders of 100 at 1.00 per 1000: 0.10 each.
      expect((await callApi(app, { key: u.apiKey, action: 'balance' })).body).toEqual({
        balance: '8.80',
        currency: 'USD',
      });
      const prepared = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements`.execute(db.db);
      const batches = prepared.rows.filter((r) => /json_populate_recordset/.test(r.statement));
      expect(batches).toHaveLength(1);
      expect(batches[0]?.name).toMatch(/^smm_\d+$/);
    } finally {
      await app.close();
      await db.close();
      await pgDb.drop();
    }
  });
});
