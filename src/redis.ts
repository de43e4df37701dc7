/**
 * The Redis connection behind REDIS_URL (shared rate-limit counters). Connecting is checked at start, so
 * a wrong URL stops the panel with one line instead of a panel that silently limits nothing.
 */
import { Redis } from 'ioredis';

export async function connectRedis(url: string): Promise<Redis> {
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
