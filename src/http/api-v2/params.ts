/**
 * Decoding a request's parameters the way real clients send them: form body, JSON body or query
 * string (body wins over query). Every value becomes a string; anything that is not a scalar (an
 * array from a repeated key, an object from JSON) is remembered as malformed, so the use case can
 * answer "Incorrect X" instead of guessing.
 */
import { parseId } from '../../ids.js';
import type { Params } from '../../orders/order-input.js';

export { parseId };

const MAX_VALUE_LENGTH = 1_000_000;

export class RequestParams implements Params {
  readonly #values = new Map<string, string>();
  readonly #malformed = new Set<string>();

  static from(query: unknown, body: unknown): RequestParams {
    const p = new RequestParams();
    p.#absorb(query);
    p.#absorb(body);
    return p;
  }

  #absorb(source: unknown): void {
    if (!source || typeof source !== 'object' || Array.isArray(source)) return;
    for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
      if (name.length > 64) continue;
      this.#malformed.delete(name);
      this.#values.delete(name);
      if (typeof value === 'string') {
        if (value.length > MAX_VALUE_LENGTH) this.#malformed.add(name);
        else this.#values.set(name, value);
      } else if (typeof value === 'number' && Number.isFinite(value)) {
        // JSON numbers: integers as written; others keep their decimal form and fail integer checks.
        this.#values.set(name, String(value));
      } else if (typeof value === 'boolean' || value === null || value === undefined) {
        // Treated as absent: no parameter of API v2 is a boolean.
      } else {
        this.#malformed.add(name);
      }
    }
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  isMalformed(name: string): boolean {
    return this.#malformed.has(name);
  }
}

export const MAX_IDS = 100;

export type IdToken = { token: string; id: number | null };

/**
 * Split "1,2, 3" into ids, keeping each token as the client wrote it (answers are keyed by it).
 * Duplicates are answered once. Returns null when there are more than MAX_IDS.
 */
export function parseIdList(text: string): IdToken[] | null {
  const seen = new Set<string>();
  const out: IdToken[] = [];
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '' || seen.has(token)) continue;
    seen.add(token);
    out.push({ token, id: parseId(token) });
    if (out.length > MAX_IDS) return null;
  }
  return out;
}
