/**
 * The browser's locale formatting (web/src/format.ts): money stays exact digit for digit in every
 * locale — only the separators change — and dates and counts follow the locale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount, formatDateTime, formatDecimal, formatMoney } from '../web/src/format.js';

describe('formatDecimal', () => {
  it.each([
    ['0.73', 'en', '0.73'],
    ['1234.5678', 'en', '1,234.5678'],
    ['1234.5678', 'de', '1.234,5678'],
    ['1234.5678', 'fr', '1\u202f234,5678'],
    ['1234567.1', 'hi-IN', '12,34,567.1'],
    ['1234.5', 'ar-EG', '1,234.5'],
    ['-1234.0001', 'en', '-1,234.0001'],
    ['123456789012345678901234.1234567', 'en', '123,456,789,012,345,678,901,234.1234567'],
    ['0.0000001', 'de', '0,0000001'],
    ['12', 'en', '12'],
    ['not a number', 'en', 'not a number'],
  ])('%s in %s is %s', (value, locale, expected) => {
    expect(formatDecimal(value, locale)).toBe(expected);
  });

  it('never changes a digit: removing the separators gives the server string back', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.stringMatching(/^\d{0,7}$/),
        fc.constantFrom('en', 'de', 'fr', 'hi-IN', 'ru', 'pt-BR', 'tr', 'ar-EG', 'es'),
        (whole, fraction, locale) => {
          const value = fraction ? `${whole}.${fraction}` : String(whole);
          const shown = formatDecimal(value, locale);
          const digits = shown.replace(/[^\d]/g, '');
          expect(digits).toBe(value.replace('.', ''));
        },
      ),
    );
  });
});

describe('formatMoney, formatCount, formatDateTime', () => {
  it('money carries the panel currency after the exact amount', () => {
    expect(formatMoney('49.27', 'USD', 'en')).toBe('49.27 USD');
    expect(formatMoney('1049.27', 'EUR', 'de')).toBe('1.049,27 EUR');
  });

  it('counts are grouped', () => {
    expect(formatCount(1000000, 'en')).toBe('1,000,000');
    expect(formatCount('2500', 'de')).toBe('2.500');
  });

  it('dates follow the locale', () => {
    const iso = '2026-03-04T05:06:07.000Z';
    const en = formatDateTime(iso, 'en');
    const de = formatDateTime(iso, 'de');
    expect(en).toMatch(/Mar 4, 2026/);
    expect(de).toMatch(/04\.03\.2026/);
    expect(formatDateTime('garbage', 'en')).toBe('garbage');
  });
});
