/**
 * The rate limit: per API key (per address without one), answered like every other error with HTTP
 * 200 and {"error": "Too many requests, retry in N seconds"}, N counting down to the window's end.
 * The clock (Date only) is frozen and moved by hand, so N is exact.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('the rate limit answers "Too many requests" with HTTP 200', (ctx) => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the 6th request by the same key within a minute gets {"error": "Too many requests, retry in 60 seconds"}', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 5 });
    try {
      const user = await seedUser(ctx().db.db, '3.5');
      // The limit counts requests by key, whatever transport carries the key.
      const transports = ['form', 'json', 'get', 'form', 'json'] as const;
      for (const transport of transports) {
        const res = await callApi(app, { key: user.apiKey, action: 'balance' }, transport);
        expect(res.statusCode).toBe(200);
        expect(res.body).toEqual({ balance: '3.50', currency: 'USD' });
      }
      const sixth = await callApi(app, { key: user.apiKey, action: 'balance' }, 'get');
      expect(sixth.statusCode).toBe(200);
      expect(sixth.body).toEqual({ error: 'Too many requests, retry in 60 seconds' });
      expect(sixth.raw).toBe('{"error":"Too many requests, retry in 60 seconds"}');

      // N counts down with the window.
      vi.setSystemTime(new Date('2030-01-01T00:00:20.500Z'));
      const later = await callApi(app, { key: user.apiKey, action: 'balance' });
      expect(later.body).toEqual({ error: 'Too many requests, retry in 40 seconds' });

      // Another key has its own allowance.
      const other = await seedUser(ctx().db.db, '1');
      expect((await callApi(app, { key: other.apiKey, action: 'balance' })).body).toEqual({
        balance: '1.00',
        currency: 'USD',
      });

      // After the window, the first key is served again.
      vi.setSystemTime(new Date('2030-01-01T00:01:00.001Z'));
      expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body).toEqual({
        balance: '3.50',
        currency: 'USD',
      });
    } finally {
      await app.close();
    }
  });

  it('a limited request changes nothing: an `add` refused by the limit does not charge', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 2 });
    try {
      const user = await seedUser(ctx().db.db, '10');
      const service = await seedService(ctx().db.db, { rate: '1' });
      const order = { key: user.apiKey, action: 'add', service, link: 'https://x.test/a', quantity: 100 };
      expect((await callApi(app, order)).body).toEqual({ order: expect.any(Number) });
      await callApi(app, { key: user.apiKey, action: 'balance' });
      const refused = await callApi(app, order);
      expect(refused.body).toEqual({ error: 'Too many requests, retry in 60 seconds' });
      const row = await ctx()
        .db.db.selectFrom('users')
        .select('balance_units')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(BigInt(row.balance_units)).toBe(99_000_000n);
      const orders = await ctx()
        .db.db.selectFrom('orders')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(Number(orders.n)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('requests without a key are limited by address, and answered the same way', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 5 });
    try {
      for (let i = 0; i < 5; i++) {
        expect((await callApi(app, { action: 'balance' })).body).toEqual({ error: 'Invalid API key' });
      }
      const sixth = await callApi(app, { action: 'balance' });
      expect(sixth.statusCode).toBe(200);
      expect(sixth.body).toEqual({ error: 'Too many requests, retry in 60 seconds' });
      // A client with a key is not held back by the keyless ones from the same address.
      const user = await seedUser(ctx().db.db, '0');
      expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body).toEqual({
        balance: '0.00',
        currency: 'USD',
      });
    } finally {
      await app.close();
    }
  });
});
