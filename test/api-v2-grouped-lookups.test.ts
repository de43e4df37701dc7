/**
 * On Postgres the API key lookups and the `status` reads of requests that arrive together go as one
 * query each (src/accounts/users.repo.ts groupedKeyLookup, src/orders/orders.repo.ts groupedStatusLookup). Many
 * callers at once, with different keys (one unknown, one disabled) and orders of their own and of
 * others, must each get exactly their own answer: nobody sees another user's balance or order. Run on
 * both databases (SQLite answers one by one, with the same answers).
 */
import { expect, it } from 'vitest';
import { setUserDisabledFlag } from '../src/accounts/users.repo.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('API v2 callers at once, their lookups grouped', (ctx) => {
  it('each caller gets its own balance, its own orders, and nothing of anyone else', async () => {
    const db = ctx().db.db;
    const app = await makeApi(db);
    try {
      const service = await seedService(db, { rate: '1.00', min: 10, max: 100000 });
      const users: Awaited<ReturnType<typeof seedUser>>[] = [];
      // One after the other: the first seed also creates the staff account that funds them.
      for (let i = 0; i < 8; i++) users.push(await seedUser(db, `${10 + i}.00`));
      const disabled = await seedUser(db, '5.00');
      // Each user places one order (quantity 100 + i: charge 0.10 + i/1000).
      const orders = await Promise.all(
        users.map(async (u, i) => {
          const r = await callApi(app, {
            key: u.apiKey,
            action: 'add',
            service,
            link: `https://x.test/${i}`,
            quantity: 100 + i,
          });
          return r.body.order as number;
        }),
      );
      expect(orders.every((id) => Number.isInteger(id))).toBe(true);
      await setUserDisabledFlag(db, disabled.id, true);
      const rounds = 3;
      const calls: Promise<void>[] = [];
      for (let round = 0; round < rounds; round++) {
        users.forEach((u, i) => {
          const other = orders[(i + 1) % orders.length] as number;
          const own = orders[i] as number;
          calls.push(
            callApi(app, { key: u.apiKey, action: 'balance' }).then((r) => {
              const charge = (100 + i) / 1000;
              expect(r.body).toEqual({
                balance: (10 + i - charge).toFixed(3).replace(/0$/, ''),
                currency: 'USD',
              });
            }),
            callApi(app, { key: u.apiKey, action: 'status', order: own }).then((r) => {
              expect(r.body).toMatchObject({ status: 'Pending', remains: String(100 + i) });
            }),
            callApi(app, { key: u.apiKey, action: 'status', order: other }).then((r) => {
              expect(r.body).toEqual({ error: 'Incorrect order ID' });
            }),
            callApi(app, { key: u.apiKey, action: 'status', orders: `${own},${other}` }).then((r) => {
              expect(Object.keys(r.body).sort()).toEqual([String(own), String(other)].sort());
              expect(r.body[String(own)]).toMatchObject({ status: 'Pending', remains: String(100 + i) });
              expect(r.body[String(other)]).toEqual({ error: 'Incorrect order ID' });
            }),
          );
        });
        calls.push(
          callApi(app, { key: disabled.apiKey, action: 'balance' }).then((r) => {
            expect(r.body).toEqual({ error: 'Invalid API key' });
          }),
          callApi(app, { key: `unknown-${round}`, action: 'balance' }).then((r) => {
            expect(r.body).toEqual({ error: 'Invalid API key' });
          }),
        );
      }
      await Promise.all(calls);
      expect(calls).toHaveLength(rounds * (users.length * 4 + 2));
    } finally {
      await app.close();
    }
  });
});
