/**
 * Numbers and dates in the customer's locale. Money arrives from the server as an exact decimal string
 * in the panel currency ("1234.5678"); it is never turned into a float: the whole part is grouped by
 * Intl with a BigInt, the fraction is kept digit for digit, and only the separators are the locale's.
 * Digits stay Latin (0-9) in every locale, as customers copy amounts into payment forms.
 */

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { numberingSystem: 'latn', maximumFractionDigits: 0 });
    numberFormats.set(locale, f);
  }
  return f;
}

function decimalSeparator(locale: string): string {
  const parts = new Intl.NumberFormat(locale, { numberingSystem: 'latn' }).formatToParts(1.5);
  return parts.find((p) => p.type === 'decimal')?.value ?? '.';
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * An exact decimal string with the locale's separators: "1234.5678" is "1,234.5678" in en,
 * "1.234,5678" in de. Not a decimal string: returned as it is (never guessed at).
 */
export function formatDecimal(value: string, locale: string): string {
  const m = DECIMAL.exec(value);
  if (!m) return value;
  const [, sign, whole, fraction] = m as unknown as [string, string, string, string | undefined];
  const grouped = numberFormat(locale).format(BigInt(whole));
  return `${sign ? '-' : ''}${grouped}${fraction ? decimalSeparator(locale) + fraction : ''}`;
}

/** An amount of money: the exact amount with the locale's separators, then the panel's currency. */
export function formatMoney(amount: string, currency: string, locale: string): string {
  return `${formatDecimal(amount, locale)} ${currency}`.trim();
}

/** A whole number (a quantity, a count) grouped for the locale; exact for any size. */
export function formatCount(value: number | string, locale: string): string {
  return formatDecimal(String(value), locale);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A moment (ISO string from the server) as the locale writes a date and time, in local time. */
export function formatDateTime(iso: string, locale: string): string {
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', numberingSystem: 'latn' });
    dateFormats.set(locale, f);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : f.format(d);
}
