/**
 * API v2's rate limit: a request is counted against its account when its key authenticates, and
 * against its client address (IPv6 by /64 network) when it does not, whatever key it carries. So a
 * client guessing keys is limited like any other, and one account's allowance is its own.
 *
 * Counters live in Redis when REDIS_URL is set (the limiter's standard Redis store: every API process
 * shares them), otherwise in this process, in AccountFirstStore below: fixed windows kept in two maps
 * that traffic cannot evict. Accounts' counters are never dropped within their window (there are only
 * as many as accounts that authenticated); addresses' counters are capped, and once the cap is
 * reached new addresses share one counter, so a flood of addresses limits itself and never pushes an
 * account's or another address's counter out.
 */
import type { User } from '../../accounts/users.repo.js';

/** The bucket a request is counted in: its account, or its network when it did not authenticate. */
export function rateLimitKey(user: Pick<User, 'id'> | null, ip: string): string {
  return user ? `account:${user.id}` : `address:${networkOf(ip)}`;
}

/** An IPv4 address as it is; an IPv6 address as its /64 network (one subscriber's usual allocation). */
export function networkOf(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return v4mapped[1] as string;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

interface Window {
  count: number;
  startedAt: number;
}

type Incr = (err: Error | null, result?: { current: number; ttl: number }) => void;

/** Counters of unauthenticated addresses kept per process before new ones share one counter. */
export const MAX_ADDRESS_COUNTERS = 100_000;
const OVERFLOW = 'address:*overflow*';

/** The in-process store (see the module comment); one per process, shared by every route. */
export class AccountFirstStore {
  readonly #accounts = new Map<string, Window>();
  readonly #addresses = new Map<string, Window>();
  #sweptAt = 0;

  incr(key: string, cb: Incr, timeWindow: number, _max: number): void {
    const now = Date.now();
    this.#sweep(now, timeWindow);
    const map = key.startsWith('account:') ? this.#accounts : this.#addresses;
    const slot =
      map === this.#addresses && !map.has(key) && map.size >= MAX_ADDRESS_COUNTERS ? OVERFLOW : key;
    let w = map.get(slot);
    if (!w || w.startedAt + timeWindow <= now) {
      w = { count: 0, startedAt: now };
      map.set(slot, w);
    }
    w.count++;
    cb(null, { current: w.count, ttl: w.startedAt + timeWindow - now });
  }

  child(): AccountFirstStore {
    return this;
  }

  /** Drop counters whose window ended, at most once per window: only time removes a counter. */
  #sweep(now: number, timeWindow: number): void {
    if (now - this.#sweptAt < timeWindow) return;
    this.#sweptAt = now;
    for (const map of [this.#accounts, this.#addresses]) {
      for (const [key, w] of map) if (w.startedAt + timeWindow <= now) map.delete(key);
    }
  }
}
