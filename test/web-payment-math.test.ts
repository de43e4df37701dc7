/**
 * The Add funds preview (web/src/payment-math.ts) says exactly what the server will credit: the same
 * rule as src/payments/payment-rules.ts (creditFor on the parsed amount), for any cents and any
 * percent an admin can set, and the amounts it sends are the ones the server parses to those cents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount } from '../src/money.js';
import { creditFor, formatPercent, parsePaymentAmount, parsePercent } from '../src/payments/payment-rules.js';
import {
  creditedUnits,
  formatCents,
  formatUnits,
  parseCents,
  percentToBp,
  withinLimits,
} from '../web/src/payment-math.js';

describe('the credit preview', () => {
  it('matches the server for every amount and percent', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 13n }),
        fc.integer({ min: -9_999, max: 10_000 }),
        (cents, bp) => {
          const sent = formatCents(cents);
          const units = parsePaymentAmount(sent);
          expect(units).not.toBeNull();
          const percent = formatPercent(bp);
          expect(percentToBp(percent)).toBe(parsePercent(percent));
          expect(formatUnits(creditedUnits(cents, percentToBp(percent) as number))).toBe(
            formatAmount(creditFor(units as bigint, bp)),
          );
        },
      ),
    );
  });

  it.each([
    ['10', '0', '10.00'],
    ['10.01', '-2.5', '9.75975'],
    ['0.01', '-99.99', '0.000001'],
    ['19.99', '5', '20.9895'],
    ['1000', '100', '2000.00'],
  ])('%s at %s%% credits %s', (amount, percent, credited) => {
    const cents = parseCents(amount) as bigint;
    expect(formatUnits(creditedUnits(cents, percentToBp(percent) as number))).toBe(credited);
  });
});

describe('what the customer types', () => {
  it.each([
    ['10', 1000n],
    ['10.5', 1050n],
    ['10.50', 1050n],
    ['10,5', 1050n],
    [' 7 ', 700n],
    ['10.', 1000n],
    ['.5', 50n],
    ['0.01', 1n],
  ])('%j is %s cents', (text, cents) => {
    expect(parseCents(text)).toBe(cents);
  });

  it.each(['', '0', '0.00', '-5', '1.234', '1e3', 'ten', '1,000.00', '10..5', '1 000'])(
    '%j is not an amount',
    (text) => {
      expect(parseCents(text)).toBeNull();
    },
  );

  it('limits are inclusive and exact', () => {
    expect(withinLimits(500n, '5.00', '10.00')).toBe('ok');
    expect(withinLimits(499n, '5.00', '10.00')).toBe('below');
    expect(withinLimits(1000n, '5.00', '10.00')).toBe('ok');
    expect(withinLimits(1001n, '5.00', '10.00')).toBe('above');
  });
});
