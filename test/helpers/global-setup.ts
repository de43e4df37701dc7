import { postgresReachable } from './pg.js';
import { redisReachable } from './redis.js';

export default async function setup(): Promise<void> {
  await checkRedis();
  const ok = await postgresReachable();
  if (ok) {
    process.env.SMM_TEST_PG = '1';
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      'CI=true but Postgres at 127.0.0.1:5432 is not reachable: the Postgres half of the suite cannot run',
    );
  }
  process.env.SMM_TEST_PG = '0';
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!! Postgres is not reachable: every Postgres test is SKIPPED. Only SQLite was tested.\n${bar}\n`,
  );
}

/** Redis at 127.0.0.1:6379 (REDIS_TEST_URL): required in CI, skipped loudly elsewhere, like Postgres. */
async function checkRedis(): Promise<void> {
  if (await redisReachable()) {
    process.env.SMM_TEST_REDIS = '1';
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error('CI=true but Redis at 127.0.0.1:6379 is not reachable: the Redis tests cannot run');
  }
  process.env.SMM_TEST_REDIS = '0';
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! Redis is not reachable: every Redis test is SKIPPED.\n${bar}\n`);
}
