/**
 * What each of the 11 order types takes, and how its input becomes an order draft: the parameters to
 * keep for the provider, the quantity per run, and the quantity that is charged. Pure: no database.
 *
 * `Params` is the request's parameters as the HTTP layer decoded them: a string each, or "malformed"
 * when the client sent something that is not a scalar (an array, an object).
 */

import type { ServiceType } from '../catalog/service-types.js';
import type { Service } from '../catalog/services.repo.js';
import { parseWholeNumber } from '../ids.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';

export interface Params {
  get(name: string): string | undefined;
  isMalformed(name: string): boolean;
}

export interface OrderDraft {
  link: string | null;
  /** Quantity per run (per post for subscriptions). */
  quantity: bigint;
  runs: number | null;
  intervalMinutes: number | null;
  /** Type-specific parameters, forwarded to the provider as they are. */
  params: Record<string, string | number | string[]> | null;
  /** The quantity the charge is computed on (all runs; posts × max for subscriptions). */
  chargeQuantity: bigint;
  /** What remains to deliver when the order starts. */
  initialRemains: bigint;
}

export const MAX_LINE_LENGTH = 1000;
export const MAX_LINK_LENGTH = 2048;
export const MAX_RUNS = 1000;
export const MAX_INTERVAL_MINUTES = 60 * 24 * 30;
export const MAX_POSTS = 10000;
export const MAX_OLD_POSTS = 1000;
export const SUBSCRIPTION_DELAYS = [
  0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600,
];

/** What reading an order's parameters can refuse: API v2's parameter errors. */
export type OrderInputFailure = FailureOf<
  'missing_param' | 'invalid_param' | 'quantity_below_min' | 'quantity_above_max' | 'dripfeed_unsupported'
>;

type R<T> = Result<T, OrderInputFailure>;

function required(p: Params, name: string): R<string> {
  if (p.isMalformed(name)) return fail({ code: 'invalid_param', param: name });
  const v = p.get(name);
  if (v === undefined || v.trim() === '') return fail({ code: 'missing_param', param: name });
  return ok(v);
}

function optional(p: Params, name: string): R<string | undefined> {
  if (p.isMalformed(name)) return fail({ code: 'invalid_param', param: name });
  const v = p.get(name);
  return ok(v === undefined || v.trim() === '' ? undefined : v);
}

function intParam(text: string, name: string, min: bigint, max: bigint): R<bigint> {
  const n = parseWholeNumber(text);
  if (n === null || n < min || n > max) return fail({ code: 'invalid_param', param: name });
  return ok(n);
}

// Control characters other than tab (which is kept inside a line as it is).
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * A link: an http(s) URL (any letter case), or the scheme-less forms real clients send: a bare handle
 * (`natgeo`), a host with a path (`instagram.com/p/x`) or with a port (`instagram.com:443/p/x`). Any
 * other scheme is refused, whatever its case: `javascript:0,…`, `data:`, `vbscript:`, `file:`. Only a
 * dotted host followed by a port counts as host:port, so `javascript:0` is a scheme, not a host.
 */
export function validLink(text: string): string | null {
  const link = text.trim();
  if (link.length === 0 || link.length > MAX_LINK_LENGTH) return null;
  if (/\s/.test(link) || CONTROL_RE.test(link) || /[<>"'`\\]/.test(link)) return null;
  const hostWithPort = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{1,5}(?:[/?#]|$)/i.test(link);
  if (/^[a-z][a-z0-9+.-]*:/i.test(link) && !hostWithPort) {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return null;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
  }
  return link;
}

function linkParam(p: Params): R<string> {
  const raw = required(p, 'link');
  if (!raw.ok) return raw;
  const link = validLink(raw.value);
  return link === null ? fail({ code: 'invalid_param', param: 'link' }) : ok(link);
}

/** Non-empty lines of a list separated by \r\n, \n or \r; each line trimmed. */
export function splitLines(text: string): string[] {
  return text
    .split(/\r\n|\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function listParam(p: Params, name: string): R<string[]> {
  const raw = required(p, name);
  if (!raw.ok) return raw;
  const lines = splitLines(raw.value);
  if (lines.length === 0) return fail({ code: 'missing_param', param: name });
  if (lines.some((l) => l.length > MAX_LINE_LENGTH || CONTROL_RE.test(l)))
    return fail({ code: 'invalid_param', param: name });
  return ok(lines);
}

function textParam(p: Params, name: string): R<string> {
  const raw = required(p, name);
  if (!raw.ok) return raw;
  const v = raw.value.trim();
  if (v.length > MAX_LINE_LENGTH || CONTROL_RE.test(v)) return fail({ code: 'invalid_param', param: name });
  return ok(v);
}

function quantityParam(p: Params): R<bigint> {
  const raw = required(p, 'quantity');
  if (!raw.ok) return raw;
  return intParam(raw.value, 'quantity', 0n, 10n ** 15n);
}

function checkRange(q: bigint, s: Service): R<bigint> {
  if (q < s.minQuantity) return fail({ code: 'quantity_below_min', min: s.minQuantity });
  if (q > s.maxQuantity) return fail({ code: 'quantity_above_max', max: s.maxQuantity });
  return ok(q);
}

function simple(link: string, quantity: bigint, params: OrderDraft['params']): OrderDraft {
  return {
    link,
    quantity,
    runs: null,
    intervalMinutes: null,
    params,
    chargeQuantity: quantity,
    initialRemains: quantity,
  };
}

/** d/m/Y, a real calendar date, today or later (UTC). */
function parseExpiry(text: string, now: number): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const today = new Date(now);
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (date.getTime() < todayUtc) return null;
  return `${String(d).padStart(2, '0')}/${String(mo).padStart(2, '0')}/${y}`;
}

/**
 * Validate the parameters of an `add` for `service` and build the order draft. Checks in the order a
 * client fixes them: link, then type parameters, then quantity against min/max.
 */
export function parseOrderInput(service: Service, p: Params, now: number): R<OrderDraft> {
  const type: ServiceType = service.type;
  switch (type) {
    case 'Default': {
      const link = linkParam(p);
      if (!link.ok) return link;
      const q = quantityParam(p);
      if (!q.ok) return q;
      const runsRaw = optional(p, 'runs');
      if (!runsRaw.ok) return runsRaw;
      const intervalRaw = optional(p, 'interval');
      if (!intervalRaw.ok) return intervalRaw;
      // Many client libraries always send runs/interval, as 0 when drip-feed is not wanted.
      const zeroOrAbsent = (v: string | undefined) => v === undefined || /^\s*0+\s*$/.test(v);
      if (zeroOrAbsent(runsRaw.value) && zeroOrAbsent(intervalRaw.value)) {
        const inRange = checkRange(q.value, service);
        return inRange.ok ? ok(simple(link.value, q.value, null)) : inRange;
      }
      if (!service.dripfeed) return fail({ code: 'dripfeed_unsupported' });
      if (runsRaw.value === undefined) return fail({ code: 'missing_param', param: 'runs' });
      if (intervalRaw.value === undefined) return fail({ code: 'missing_param', param: 'interval' });
      const runs = intParam(runsRaw.value, 'runs', 1n, BigInt(MAX_RUNS));
      if (!runs.ok) return runs;
      const interval = intParam(intervalRaw.value, 'interval', 1n, BigInt(MAX_INTERVAL_MINUTES));
      if (!interval.ok) return interval;
      const inRange = checkRange(q.value, service);
      if (!inRange.ok) return inRange;
      const total = q.value * runs.value;
      return ok({
        link: link.value,
        quantity: q.value,
        runs: Number(runs.value),
        intervalMinutes: Number(interval.value),
        params: null,
        chargeQuantity: total,
        initialRemains: total,
      });
    }
    case 'Custom Comments':
    case 'Comment Replies': {
      const link = linkParam(p);
      if (!link.ok) return link;
      const comments = listParam(p, 'comments');
      if (!comments.ok) return comments;
      const q = checkRange(BigInt(comments.value.length), service);
      return q.ok ? ok(simple(link.value, q.value, { comments: comments.value })) : q;
    }
    case 'Mentions Custom List': {
      const link = linkParam(p);
      if (!link.ok) return link;
      const usernames = listParam(p, 'usernames');
      if (!usernames.ok) return usernames;
      const q = checkRange(BigInt(usernames.value.length), service);
      return q.ok ? ok(simple(link.value, q.value, { usernames: usernames.value })) : q;
    }
    case 'Mentions':
    case 'Mentions with Hashtags': {
      const link = linkParam(p);
      if (!link.ok) return link;
      const q = quantityParam(p);
      if (!q.ok) return q;
      const usernames = listParam(p, 'usernames');
      if (!usernames.ok) return usernames;
      const params: Record<string, string[]> = { usernames: usernames.value };
      if (type === 'Mentions with Hashtags') {
        const hashtags = listParam(p, 'hashtags');
        if (!hashtags.ok) return hashtags;
        params.hashtags = hashtags.value;
      }
      const inRange = checkRange(q.value, service);
      return inRange.ok ? ok(simple(link.value, q.value, params)) : inRange;
    }
    case 'Mentions Hashtag':
    case 'Mentions User Followers':
    case 'Mentions Media Likers': {
      const name =
        type === 'Mentions Hashtag' ? 'hashtag' : type === 'Mentions User Followers' ? 'username' : 'media';
      const link = linkParam(p);
      if (!link.ok) return link;
      const q = quantityParam(p);
      if (!q.ok) return q;
      const value = textParam(p, name);
      if (!value.ok) return value;
      const inRange = checkRange(q.value, service);
      return inRange.ok ? ok(simple(link.value, q.value, { [name]: value.value })) : inRange;
    }
    case 'Poll': {
      const link = linkParam(p);
      if (!link.ok) return link;
      const q = quantityParam(p);
      if (!q.ok) return q;
      const question = textParam(p, 'question');
      if (!question.ok) return question;
      const answers = listParam(p, 'answers');
      if (!answers.ok) return answers;
      const inRange = checkRange(q.value, service);
      return inRange.ok
        ? ok(simple(link.value, q.value, { question: question.value, answers: answers.value }))
        : inRange;
    }
    case 'Subscriptions':
      return parseSubscription(service, p, now);
  }
}

function parseSubscription(service: Service, p: Params, now: number): R<OrderDraft> {
  const username = textParam(p, 'username');
  if (!username.ok) return username;
  const minRaw = required(p, 'min');
  if (!minRaw.ok) return minRaw;
  const min = intParam(minRaw.value, 'min', 0n, 10n ** 15n);
  if (!min.ok) return min;
  const maxRaw = required(p, 'max');
  if (!maxRaw.ok) return maxRaw;
  const max = intParam(maxRaw.value, 'max', 0n, 10n ** 15n);
  if (!max.ok) return max;
  const minInRange = checkRange(min.value, service);
  if (!minInRange.ok) return minInRange;
  const maxInRange = checkRange(max.value, service);
  if (!maxInRange.ok) return maxInRange;
  if (max.value < min.value) return fail({ code: 'invalid_param', param: 'max' });

  const postsRaw = optional(p, 'posts');
  if (!postsRaw.ok) return postsRaw;
  let posts: bigint | null = null;
  if (postsRaw.value !== undefined) {
    const v = intParam(postsRaw.value, 'posts', 1n, BigInt(MAX_POSTS));
    if (!v.ok) return v;
    posts = v.value;
  }
  const oldRaw = optional(p, 'old_posts');
  if (!oldRaw.ok) return oldRaw;
  let oldPosts = 0n;
  if (oldRaw.value !== undefined) {
    const v = intParam(oldRaw.value, 'old_posts', 0n, BigInt(MAX_OLD_POSTS));
    if (!v.ok) return v;
    oldPosts = v.value;
  }
  // `delay` is listed as required by the reference; we accept its absence as 0 (no delay), as most clients expect.
  const delayRaw = optional(p, 'delay');
  if (!delayRaw.ok) return delayRaw;
  let delay = 0;
  if (delayRaw.value !== undefined) {
    const v = intParam(delayRaw.value, 'delay', 0n, 100000n);
    if (!v.ok || !SUBSCRIPTION_DELAYS.includes(Number(v.value)))
      return fail({ code: 'invalid_param', param: 'delay' });
    delay = Number(v.value);
  }
  const expiryRaw = optional(p, 'expiry');
  if (!expiryRaw.ok) return expiryRaw;
  let expiry: string | null = null;
  if (expiryRaw.value !== undefined) {
    expiry = parseExpiry(expiryRaw.value, now);
    if (expiry === null) return fail({ code: 'invalid_param', param: 'expiry' });
  }
  const params: Record<string, string | number> = {
    username: username.value,
    min: Number(min.value),
    max: Number(max.value),
    old_posts: Number(oldPosts),
    delay,
  };
  if (posts !== null) params.posts = Number(posts);
  if (expiry !== null) params.expiry = expiry;
  return ok({
    link: null,
    quantity: max.value,
    runs: null,
    intervalMinutes: null,
    params,
    // With a post limit the whole subscription is reserved up front; without one it is charged per post.
    chargeQuantity: posts === null ? 0n : posts * max.value,
    initialRemains: posts ?? 0n,
  });
}
