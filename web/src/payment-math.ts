/**
 * Adding funds, exactly: what the customer typed as whole cents, and what the panel credits for it by
 * the server's rule (credited = received × (10000 + basis points) / 10000, in units of 10^-7). Cents
 * times basis points is a whole number of 10^-6, so the preview is exact, never rounded; no floats.
 */

const SCALE_DECIMALS = 7;
const SCALE = 10n ** BigInt(SCALE_DECIMALS);
const UNITS_PER_CENT = SCALE / 100n;

/** "10", "10.5", "10.50", "10,50" (a phone's decimal comma) as cents; null when not an amount above 0. */
export function parseCents(text: string): bigint | null {
  const m = /^\s*(\d{1,12})(?:[.,](\d{0,2}))?\s*$/.exec(text) ?? /^\s*[.,](\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const [whole, frac] = m.length === 3 ? [m[1] ?? '0', m[2] ?? ''] : ['0', m[1] ?? ''];
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
  return cents > 0n ? cents : null;
}

/** A method's percent as the server writes it ("-2.5", "5", "0") in basis points; null if not one. */
export function percentToBp(percent: string): number | null {
  const m = /^(-)?(\d{1,3})(?:\.(\d{1,2}))?$/.exec(percent.trim());
  if (!m) return null;
  const bp = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -bp : bp;
}

/** An exact decimal amount (as the server writes money) in units of 10^-7. */
export function parseUnits(amount: string): bigint | null {
  const m = /^(-)?(\d+)(?:\.(\d{1,7}))?$/.exec(amount.trim());
  if (!m) return null;
  const units = BigInt(m[2] ?? '0') * SCALE + BigInt((m[3] ?? '').padEnd(SCALE_DECIMALS, '0'));
  return m[1] ? -units : units;
}

/** Units of 10^-7 as the server writes money: at least 2 decimals, no trailing zeros beyond them. */
export function formatUnits(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  let frac = (abs % SCALE).toString().padStart(SCALE_DECIMALS, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${abs / SCALE}.${frac}`;
}

/** Cents as the amount the server is sent ("10.50"). */
export function formatCents(cents: bigint): string {
  return formatUnits(cents * UNITS_PER_CENT);
}

/** What is credited for `cents` received with the method's fee (negative) or bonus (positive). */
export function creditedUnits(cents: bigint, bp: number): bigint {
  // cents × 10^5 units × (10000 + bp) / 10000 = cents × (10000 + bp) × 10: no remainder to drop.
  return cents * BigInt(10_000 + bp) * 10n;
}

/** The customer's amount checked against the method's limits (exact decimals, both inclusive). */
export function withinLimits(cents: bigint, min: string, max: string): 'below' | 'above' | 'ok' {
  const units = cents * UNITS_PER_CENT;
  const lo = parseUnits(min);
  const hi = parseUnits(max);
  if (lo !== null && units < lo) return 'below';
  if (hi !== null && units > hi) return 'above';
  return 'ok';
}
