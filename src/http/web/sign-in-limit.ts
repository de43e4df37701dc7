/**
 * Sign-in attempts are limited per account (the username tried) and per client address (IPv6 by
 * /64), the approach of API v2's rate limit (http/api-v2/rate-limit.ts), with its in-process store:
 * fixed windows that traffic cannot evict; both kinds of counters here are address-like (capped), so
 * a flood of invented usernames shares one counter instead of growing memory.
 */
import { AccountFirstStore, networkOf } from '../api-v2/rate-limit.js';

export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAccount: 10, perAddress: 50, windowMs: 15 * 60_000 };

/** Forgot-password requests: each may send a mail, so fewer (the use case also caps mails per account). */
export const DEFAULT_RESET_LIMITS: SignInLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

export class SignInLimiter {
  readonly #store = new AccountFirstStore();
  constructor(private readonly limits: SignInLimits) {}

  /** Count one attempt; the seconds to wait when either counter is over its limit, else 0. */
  attempt(username: string, ip: string): number {
    const a = this.#count(`address:user:${username.toLowerCase()}`);
    const b = this.#count(`address:ip:${networkOf(ip)}`);
    const over = [
      a.current > this.limits.perAccount ? a.ttl : 0,
      b.current > this.limits.perAddress ? b.ttl : 0,
    ];
    return Math.ceil(Math.max(...over) / 1000);
  }

  #count(key: string): { current: number; ttl: number } {
    let out = { current: 0, ttl: 0 };
    this.#store.incr(
      key,
      (_err, r) => {
        if (r) out = r;
      },
      this.limits.windowMs,
      0,
    );
    return out;
  }
}
