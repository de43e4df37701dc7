/**
 * money.ts: the one place where amounts are parsed, multiplied, rounded and formatted.
 *
 * Every amount in the system is a bigint count of *units*, where one unit is 10^-7 of the panel's
 * currency (SCALE = 10^7). Rates are "price per 1000" and may have at most 4 decimals, so a rate in
 * units is always a multiple of 1000 and `rate × quantity / 1000` is an exact integer: charges and
 * refunds never round.
 *
 * The single rounding rule, used only where a value with more precision must become a rate (a markup
 * on an imported rate, for example): round half up (away from zero) to 4 decimals. Nothing else
 * rounds. Any result outside a signed 64-bit integer is an error (MoneyOverflowError), never a wrap.
 */

export const SCALE_DECIMALS = 7;
export const SCALE = 10n ** BigInt(SCALE_DECIMALS);
/** Rates carry at most this many decimals, which keeps every charge exact. */
export const RATE_DECIMALS = 4;
const RATE_STEP = 10n ** BigInt(SCALE_DECIMALS - RATE_DECIMALS);

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

export class MoneyOverflowError extends Error {
  constructor(what: string) {
    super(`amount out of range: ${what}`);
    this.name = 'MoneyOverflowError';
  }
}

function checked(value: bigint, what: string): bigint {
  if (value > INT64_MAX || value < INT64_MIN) throw new MoneyOverflowError(what);
  return value;
}

const DECIMAL_RE = /^(-)?(\d{1,19})(?:\.(\d{1,30}))?$/;

/**
 * Parse a decimal string ("12", "0.73", "-5.5") into units. Returns null when the text is not a plain
 * decimal number, has more decimals than `maxDecimals`, or does not fit.
 */
export function parseAmount(text: string, maxDecimals = SCALE_DECIMALS): bigint | null {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) return null;
  const [, sign, whole = '0', fracRaw = ''] = m;
  const frac = fracRaw.replace(/0+$/, '');
  if (frac.length > maxDecimals) return null;
  const units = BigInt(whole) * SCALE + BigInt(frac.padEnd(SCALE_DECIMALS, '0') || '0');
  // The negative range reaches one further than the positive one (INT64_MIN), which formatAmount writes.
  if (units > (sign ? -INT64_MIN : INT64_MAX)) return null;
  return sign ? -units : units;
}

/** Parse a rate per 1000 (non-negative, at most 4 decimals) into units. */
export function parseRate(text: string): bigint | null {
  const units = parseAmount(text, RATE_DECIMALS);
  if (units === null || units < 0n) return null;
  return units;
}

/** The charge for `quantity` items at `rateUnits` per 1000: exact, since rates are multiples of 1000 units. */
export function chargeFor(rateUnits: bigint, quantity: bigint | number): bigint {
  const q = BigInt(quantity);
  if (q < 0n || rateUnits < 0n) throw new RangeError('negative rate or quantity');
  const product = checked(rateUnits * q, 'rate × quantity');
  if (product % 1000n !== 0n) {
    // Unreachable for rates produced by parseRate/markupDecimalRate; refuse rather than round silently.
    throw new RangeError('rate is not on the 4-decimal grid');
  }
  return product / 1000n;
}

/**
 * The refund for an order that delivered only part: `remains × rate / 1000`, never more than the
 * charge and never negative. The part kept is `charge - refund`, so refund + kept = charge exactly.
 */
export function partialRefund(chargeUnits: bigint, rateUnits: bigint, remains: bigint | number): bigint {
  let r = BigInt(remains);
  if (r < 0n) r = 0n;
  const refund = chargeFor(rateUnits, r);
  return refund > chargeUnits ? chargeUnits : refund;
}

/**
 * The one rounding rule: an exact fraction of units rounded half up to the 4-decimal rate grid. Used
 * only where a rate is derived from something finer (an upstream rate with a markup).
 */
function roundFractionToRate(num: bigint, den: bigint): bigint {
  const step = den * RATE_STEP;
  return checked(((2n * num + step) / (2n * step)) * RATE_STEP, 'rounded rate');
}

/**
 * A rate derived from an upstream's rate text, which may carry any number of decimals
 * ("0.657880205"), with a markup in percent: computed exactly, rounded once by the rule.
 * Null when either text is not a non-negative decimal.
 */
export function markupDecimalRate(rateText: string, markupPercent: string): bigint | null {
  const m = /^(\d{1,18})(?:\.(\d{1,30}))?$/.exec(rateText.trim());
  const pct = parseAmount(markupPercent);
  if (!m || pct === null || pct < -100n * SCALE) return null;
  const frac = m[2] ?? '';
  const den = 10n ** BigInt(frac.length);
  const rateTimesDen = BigInt(m[1] ?? '0') * den + BigInt(frac || '0');
  // units = rate × SCALE × (100·SCALE + pct) / (100·SCALE), with rate = rateTimesDen / den.
  return roundFractionToRate(rateTimesDen * SCALE * (100n * SCALE + pct), den * 100n * SCALE);
}

/**
 * Format units as a decimal string: at least 2 decimals, at most 7, trailing zeros beyond the second
 * trimmed ("0.65788", "100.00", "12.50").
 */
export function formatAmount(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const whole = abs / SCALE;
  let frac = (abs % SCALE).toString().padStart(SCALE_DECIMALS, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** Format a rate: as short as exact ("12", "0.73", "2.5"), as the reference shows rates. */
export function formatRate(units: bigint): string {
  return formatAmount(units).replace(/\.?0+$/, '');
}

/** Convert a database integer (number, bigint or numeric string) to bigint. */
export function toUnits(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`not an integer amount: ${String(v)}`);
}
