/**
 * What an upstream's answer means for us, as pure functions: the engine decides what to do with an
 * order from these values only, never from the raw answer.
 *
 * Refusals are sorted by their message, because API v2 has no error codes:
 * - about our account at the provider (funds, key, banned): the provider is held, its orders wait;
 * - "not now" (rate limit, maintenance, internal error): nothing was taken, send again later;
 * - about the order (bad link, quantity, private profile, anything else): the order is refused.
 */
import { addAnswer, parseAnswer } from './answers.js';
import type { CallOutcome } from './client.js';

/** Upstream refusals that are about our account at the provider, not about the order. */
const ACCOUNT_REFUSAL =
  /(fund|balance|api[ _-]?key|invalid key|account|banned|suspend|unauthori[sz]ed|permission|disabled user)/i;

/**
 * Refusals that name the order's target ("This account is private", "Link is private"): about the
 * order even when they say "account". Holding the provider for them would stall every order sent there.
 */
const TARGET_REFUSAL = /(private|link|profile|username|\bpost\b|\bpage\b)/i;

/**
 * Answers that say "not now" rather than "no" (a rate limit, a fault on the provider's side): the
 * order was not taken and may be sent again later, like a refused connection. Our own panel answers
 * its rate limit and its faults this way, as JSON with HTTP 200.
 */
const TEMPORARY_REFUSAL =
  /(too many requests|rate limit|retry|try again|internal error|temporar|maintenance|overload|busy)/i;

export type RefusalKind = 'account' | 'temporary' | 'order';

export function isTemporaryRefusal(message: string): boolean {
  return TEMPORARY_REFUSAL.test(message);
}

export function isAccountRefusal(message: string): boolean {
  return ACCOUNT_REFUSAL.test(message) && !TARGET_REFUSAL.test(message);
}

/** What a refusal's message is about. "Not now" wins: a rate limit on our key is still "later". */
export function classifyRefusal(message: string): RefusalKind {
  if (isTemporaryRefusal(message)) return 'temporary';
  if (isAccountRefusal(message)) return 'account';
  return 'order';
}

/** The outcome of one `add`, as the engine acts on it. */
export type AddOutcome =
  /** The upstream took the order under this id. */
  | { kind: 'accepted'; upstreamId: string }
  /** Refused for a reason about the order: it will never be taken as it is. */
  | { kind: 'refused_order'; message: string }
  /** Refused because of our account there (funds, key, URL or access wrong): hold the provider. */
  | { kind: 'refused_account'; message: string }
  /** Not taken, may be sent again later. `neverLeft`: the request did not reach the upstream at all. */
  | { kind: 'retry_later'; message: string; neverLeft: boolean }
  /** The order may or may not exist upstream: never send it again automatically. */
  | { kind: 'unknown'; error: string };

/** Classify what one `add` call produced. */
export function classifyAddOutcome(out: CallOutcome): AddOutcome {
  switch (out.kind) {
    case 'not_sent':
      return { kind: 'retry_later', message: out.error, neverLeft: true };
    case 'unknown':
    case 'empty':
      return { kind: 'unknown', error: out.error };
    case 'http_refused':
      // A 404/401/403 page or a redirect: the URL or our access is wrong, nothing was processed.
      return { kind: 'refused_account', message: `the provider's URL answered ${out.error}` };
    case 'ok': {
      const answer = parseAnswer(addAnswer, out.body);
      if (!answer.ok) return { kind: 'unknown', error: answer.error };
      if ('order' in answer.value) return { kind: 'accepted', upstreamId: answer.value.order };
      const message = answer.value.error;
      switch (classifyRefusal(message)) {
        case 'temporary':
          return { kind: 'retry_later', message, neverLeft: false };
        case 'account':
          return { kind: 'refused_account', message };
        case 'order':
          return { kind: 'refused_order', message };
      }
    }
  }
}

/** A call's failure as one line for logs and last_error ("unexpected answer: ..." for a bad shape). */
export function callFailure(out: CallOutcome, parseError?: string): string {
  if (out.kind !== 'ok') return out.error;
  return parseError ?? `unexpected answer: ${JSON.stringify(out.body)?.slice(0, 100) ?? 'nothing'}`;
}
