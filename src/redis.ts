/**
 * The Redis connection behind REDIS_URL (shared rate-limit counters). Connecting is checked at start, so
 * a wrong URL stops the panel with one line instead of a panel that silently limits nothing.
 */
import type { Redis } from 'ioredis';

export async function connectRedis(url: string): Promise<Redis> {
  // Loaded only when REDIS_URL is set: a panel without Redis does not pay for the client at start.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Errors after start are answered by the limiter (requests are then served unlimited) and retried by
  // the client; they must not crash the process.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`REDIS_URL: cannot connect (${err instanceof Error ? err.message : String(err)})`);
  }
  return redis;
}
