/**
 * Parsing of command arguments, one rule per kind, shared by every command: amounts and rates by
 * money.ts, ids and counts by ids.ts. A bad value is a CliFailure (exit 1) naming what was wrong.
 */
import { parseWholeNumber } from '../ids.js';
import { parseAmount, parseRate } from '../money.js';
import { CliFailure } from './context.js';

export function amountArg(text: string, what: string): bigint {
  const v = parseAmount(text);
  if (v === null)
    throw new CliFailure(`${what} must be a decimal number with at most 7 decimals (got "${text}")`);
  return v;
}

export function rateArg(text: string): bigint {
  const v = parseRate(text);
  if (v === null)
    throw new CliFailure(`rate must be a non-negative decimal with at most 4 decimals (got "${text}")`);
  return v;
}

export function intArg(text: string, what: string, min = 0): bigint {
  const n = parseWholeNumber(text);
  if (n === null || n < BigInt(min)) {
    throw new CliFailure(
      `${what} must be a whole number${min > 0 ? ` of at least ${min}` : ''} (got "${text}")`,
    );
  }
  return n;
}

export function idArg(text: string, what: string): number {
  return Number(intArg(text, what, 1));
}
