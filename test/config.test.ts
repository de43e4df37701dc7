/**
 * The one typed configuration: every setting parsed once at start, defaults filled in, and a bad value
 * refused with one line naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { engineTimings, loadConfig } from '../src/config.js';
import { workerSettings } from '../src/worker/settings.js';

describe('configuration', () => {
  it('an empty environment gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      DATABASE_URL: 'sqlite:./data/panel.db',
      DATABASE_POOL_SIZE: 10,
      RATE_LIMIT_PER_MINUTE: 600,
      BODY_LIMIT_BYTES: 1048576,
      LOG_LEVEL: 'info',
    });
    expect(engineTimings(c)).toEqual({
      httpTimeoutMs: 30_000,
      staleSendingMs: 70_000,
      dispatchBatch: 10,
      dispatchConcurrency: 10,
      syncConcurrency: undefined,
      syncBaseMs: 60_000,
      syncMaxMs: 900_000,
      retryBaseMs: 10_000,
      retryMaxMs: 600_000,
      probeMs: 300_000,
      idleMs: 1000,
    });
  });

  it('reads numbers from their text and derives the stale-send limit from the HTTP timeout', () => {
    const c = loadConfig({
      PORT: '9001',
      DATABASE_POOL_SIZE: '25',
      WORKER_HTTP_TIMEOUT_MS: '5000',
      PORT_X: 'y',
    });
    expect(c.PORT).toBe(9001);
    expect(c.DATABASE_POOL_SIZE).toBe(25);
    expect(engineTimings(c).staleSendingMs).toBe(20_000);
  });

  it('an empty variable counts as unset', () => {
    expect(loadConfig({ PORT: '', WORKER_IDLE_MS: '' }).PORT).toBe(8080);
  });

  it.each([
    [{ PORT: '70000' }, 'invalid setting PORT'],
    [{ PORT: 'eighty' }, 'invalid setting PORT'],
    [{ DATABASE_POOL_SIZE: '0' }, 'invalid setting DATABASE_POOL_SIZE'],
    [{ LOG_LEVEL: 'loud' }, 'invalid setting LOG_LEVEL'],
    [{ BODY_LIMIT_BYTES: '10' }, 'invalid setting BODY_LIMIT_BYTES'],
    [{ WORKER_SYNC_BASE_MS: '-1' }, 'invalid setting WORKER_SYNC_BASE_MS'],
    [{ WORKER_DISPATCH_BATCH: '1.5' }, 'invalid setting WORKER_DISPATCH_BATCH'],
    [
      { WORKER_HTTP_TIMEOUT_MS: '5000', WORKER_STALE_SENDING_MS: '5000' },
      'invalid setting WORKER_STALE_SENDING_MS: must be longer than WORKER_HTTP_TIMEOUT_MS',
    ],
  ])('refuses %o with one line naming the variable', (env, line) => {
    expect(() => loadConfig(env)).toThrow(line);
  });
});

describe('status calls under way per provider (WORKER_SYNC_CONCURRENCY)', () => {
  it('defaults to 4 on Postgres and 1 on SQLite; a value set is used on both', () => {
    const unset = engineTimings(loadConfig({}));
    expect(workerSettings('postgres', unset).syncConcurrency).toBe(4);
    expect(workerSettings('sqlite', unset).syncConcurrency).toBe(1);
    const set = engineTimings(loadConfig({ WORKER_SYNC_CONCURRENCY: '3' }));
    expect(workerSettings('postgres', set).syncConcurrency).toBe(3);
    expect(workerSettings('sqlite', set).syncConcurrency).toBe(3);
    expect(() => loadConfig({ WORKER_SYNC_CONCURRENCY: '0' })).toThrow(/WORKER_SYNC_CONCURRENCY/);
    expect(() => loadConfig({ WORKER_SYNC_CONCURRENCY: '101' })).toThrow(/WORKER_SYNC_CONCURRENCY/);
  });
});
