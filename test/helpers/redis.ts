/** The Redis the tests use (REDIS_TEST_URL, default the one at 127.0.0.1:6379). */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisTestUrl = () => process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
export const redisEnabled = () => process.env.SMM_TEST_REDIS === '1';

export async function redisReachable(): Promise<boolean> {
  const r = new Redis(redisTestUrl(), { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** A key prefix of one test's own, so tests and databases never share counters. */
export const uniquePrefix = () => `smm-test:${randomBytes(6).toString('hex')}:`;
