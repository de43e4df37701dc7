import { postgresReachable } from './pg.js';

export default async function setup(): Promise<void> {
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
