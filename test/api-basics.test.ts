import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('API v2 basics', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  it('places an order, charges rate × quantity / 1000 exactly, and reports it', async () => {
    const user = await seedUser(ctx().db.db, '10');
    const service = await seedService(ctx().db.db, { rate: '0.7300', min: 100, max: 10000 });
    const add = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://instagram.com/p/x',
      quantity: 1234,
    });
    expect(add.statusCode).toBe(200);
    expect(add.body).toEqual({ order: expect.any(Number) });
    const status = await callApi(app, { key: user.apiKey, action: 'status', order: add.body.order });
    expect(status.body).toEqual({
      charge: '0.90082',
      start_count: '0',
      status: 'Pending',
      remains: '1234',
      currency: 'USD',
    });
    const balance = await callApi(app, { key: user.apiKey, action: 'balance' }, 'get');
    expect(balance.body).toEqual({ balance: '9.09918', currency: 'USD' });
    expect((await checkLedger({ db: ctx().db.db })).problems).toEqual([]);
  });
});
