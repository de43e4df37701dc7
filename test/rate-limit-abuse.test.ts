/**
 * The rate limit holds against abuse: a request whose key does not authenticate is counted against its
 * client address whatever key it carries (so guessing keys is limited), a limited account cannot free
 * itself by flooding junk keys or addresses, and with Redis every API process shares the counters.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountFirstStore,
  MAX_ADDRESS_COUNTERS,
  networkOf,
  rateLimitKey,
} from '../src/http/api-v2/rate-limit.js';
import { callApi, makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { redisEnabled, redisTestUrl, uniquePrefix } from './helpers/redis.js';

const junkKey = () => randomBytes(32).toString('hex');

async function balanceFrom(app: FastifyInstance, key: string, remoteAddress = '127.0.0.1') {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v2',
    remoteAddress,
    payload: { key, action: 'balance' },
  });
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body) as Record<string, string>;
}

describeEachDb('rate limit against abuse', (ctx) => {
  it('a client sending a new wrong key each time is limited by its address; a valid key from there is not', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 5 });
    try {
      for (let i = 0; i < 5; i++)
        expect(await balanceFrom(app, junkKey(), '203.0.113.7')).toEqual({ error: 'Invalid API key' });
      const sixth = await balanceFrom(app, junkKey(), '203.0.113.7');
      expect(sixth.error).toMatch(/^Too many requests, retry in \d+ seconds$/);
      // Another address has its own allowance; so does a real account at the limited address.
      expect(await balanceFrom(app, junkKey(), '203.0.113.8')).toEqual({ error: 'Invalid API key' });
      const user = await seedUser(ctx().db.db, '2');
      expect(await balanceFrom(app, user.apiKey, '203.0.113.7')).toEqual({
        balance: '2.00',
        currency: 'USD',
      });
    } finally {
      await app.close();
    }
  });

  it('an IPv6 client is limited by its /64 network, whichever address of it it uses', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 3 });
    try {
      for (let i = 1; i <= 3; i++) await balanceFrom(app, junkKey(), `2001:db8:1:2::${i}`);
      expect((await balanceFrom(app, junkKey(), '2001:db8:1:2:ffff::9')).error).toMatch(/^Too many requests/);
      expect(await balanceFrom(app, junkKey(), '2001:db8:1:3::1')).toEqual({ error: 'Invalid API key' });
    } finally {
      await app.close();
    }
  });

  it('a limited account stays limited however many junk keys and addresses flood the panel', async () => {
    const app = await makeApi(ctx().db.db, { rateLimitPerMinute: 5 });
    try {
      const user = await seedUser(ctx().db.db, '1');
      for (let i = 0; i < 5; i++) await balanceFrom(app, user.apiKey);
      expect((await balanceFrom(app, user.apiKey)).error).toMatch(/^Too many requests/);
      // More distinct junk keys than the limiter's default cache holds (5000), from many addresses.
      for (let i = 0; i < 6000; i++) await balanceFrom(app, junkKey(), `198.51.${(i >> 8) & 255}.${i & 255}`);
      expect((await balanceFrom(app, user.apiKey)).error).toMatch(/^Too many requests/);
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('the in-process store', () => {
  it('keys a request by account when it authenticated, by network otherwise', () => {
    expect(rateLimitKey({ id: 42 }, '10.0.0.1')).toBe('account:42');
    expect(rateLimitKey(null, '10.0.0.1')).toBe('address:10.0.0.1');
    expect(rateLimitKey(null, '::ffff:10.0.0.1')).toBe('address:10.0.0.1');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('2001:0db8:0001:0002:0003:0004:0005:0006')).toBe('2001:db8:1:2::/64');
    expect(networkOf('::1')).toBe('0:0:0:0::/64');
  });

  it('never drops an account counter for addresses, and new addresses past the cap share one counter', () => {
    const store = new AccountFirstStore();
    const incr = (key: string) => {
      let out = 0;
      store.incr(key, (_e, r) => (out = r?.current ?? -1), 60_000, 5);
      return out;
    };
    for (let i = 0; i < 7; i++) incr('account:1');
    for (let i = 0; i < MAX_ADDRESS_COUNTERS + 50; i++) incr(`address:${i}`);
    expect(incr('account:1')).toBe(8);
    // The first addresses kept their own counters; the ones past the cap count together.
    expect(incr('address:0')).toBe(2);
    expect(incr(`address:${MAX_ADDRESS_COUNTERS + 1000}`)).toBe(51);
  });
});

describeEachDb('rate limit shared through Redis', (ctx) => {
  let redis: Redis;
  beforeAll(async () => {
    if (redisEnabled()) redis = new Redis(redisTestUrl());
  });
  afterAll(async () => {
    await redis?.quit();
  });

  it.skipIf(!redisEnabled())('two API processes count one account, and one address, together', async () => {
    const redisPrefix = uniquePrefix();
    const a = await makeApi(ctx().db.db, { rateLimitPerMinute: 4, redis, redisPrefix });
    const b = await makeApi(ctx().db.db, { rateLimitPerMinute: 4, redis, redisPrefix });
    try {
      const user = await seedUser(ctx().db.db, '1');
      for (const app of [a, b, a, b])
        expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('1.00');
      expect((await callApi(a, { key: user.apiKey, action: 'balance' })).body.error).toMatch(
        /^Too many requests/,
      );
      expect((await callApi(b, { key: user.apiKey, action: 'balance' })).body.error).toMatch(
        /^Too many requests/,
      );
      for (const app of [a, b, a, b])
        expect(await balanceFrom(app, junkKey(), '192.0.2.1')).toEqual({ error: 'Invalid API key' });
      expect((await balanceFrom(b, junkKey(), '192.0.2.1')).error).toMatch(/^Too many requests/);
      // The counters are in Redis under the panel's prefix, one per account and per address.
      const keys = await redis.keys(`${redisPrefix}*`);
      expect(keys.sort()).toEqual([
        `${redisPrefix}GET,POST/api/v2-account:${user.id}`,
        `${redisPrefix}GET,POST/api/v2-address:192.0.2.1`,
      ]);
      await redis.del(...keys);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
