/**
 * Property-based tests of money.ts against references written independently here: decimal strings and
 * plain BigInt arithmetic at other scales (a rate is counted in 10^-4, a charge in 10^-7), never the
 * functions under test. Then one end-to-end property on the real databases: random orders and
 * settlements keep every balance equal to its ledger and to initial - sum(kept).
 */
import * as fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import {
  chargeFor,
  formatAmount,
  formatRate,
  MoneyOverflowError,
  markupDecimalRate,
  parseAmount,
  parseRate,
  partialRefund,
  toUnits,
} from '../src/money.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const SEED = Number(process.env.FC_SEED ?? 20240611);
const params = (numRuns: number) => ({ seed: SEED, numRuns });

// ---- independent references -------------------------------------------------------------------

/** A rate as the operator types it: 0..10000 with 0 to 4 decimals. */
interface RateText {
  text: string;
  /** The same rate counted in 10^-4 of the currency. */
  tenThousandths: bigint;
}

const rateTextArb: fc.Arbitrary<RateText> = fc
  .tuple(
    fc.integer({ min: 0, max: 10000 }),
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 0, max: 9999 }),
  )
  .map(([whole, decimals, fracSeed]) => {
    if (whole === 10000 || decimals === 0)
      return { text: String(whole), tenThousandths: BigInt(whole) * 10000n };
    const frac = String(fracSeed % 10 ** decimals).padStart(decimals, '0');
    return { text: `${whole}.${frac}`, tenThousandths: BigInt(`${whole}${frac.padEnd(4, '0')}`) };
  });

/** Units (10^-7) from 10^-4: appending three zero digits, done on the decimal text. */
const unitsFromTenThousandths = (v: bigint) => BigInt(`${v.toString()}000`);

/** An integer count of 10^-7 written as a decimal string with exactly 7 decimals ("-0.0000012"). */
function sevenDecimals(units: bigint): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(8, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -7)}.${digits.slice(-7)}`;
}

/** The documented display rule: at least 2 decimals, trailing zeros beyond them trimmed. */
function displayAmount(units: bigint): string {
  const s = sevenDecimals(units);
  const [whole, frac = ''] = s.split('.');
  let f = frac;
  while (f.length > 2 && f.endsWith('0')) f = f.slice(0, -1);
  return `${whole}.${f}`;
}

/** Round half up (away from zero) to 4 decimals, digit by digit on the decimal text. */
function roundHalfUpReference(units: bigint): bigint {
  const s = sevenDecimals(units);
  const neg = s.startsWith('-');
  const [whole, frac] = (neg ? s.slice(1) : s).split('.') as [string, string];
  let kept = BigInt(`${whole}${frac.slice(0, 4)}`);
  if (frac.charCodeAt(4) >= '5'.charCodeAt(0)) kept += 1n;
  const out = unitsFromTenThousandths(kept);
  return neg ? -out : out;
}

/** A markup in percent with up to 7 decimals (the precision parseAmount keeps), from -100 up. */
interface PercentText {
  text: string;
  numerator: bigint;
  denominator: bigint;
}

const percentArb: fc.Arbitrary<PercentText> = fc
  .tuple(
    fc.integer({ min: -100, max: 1000 }),
    fc.integer({ min: 0, max: 7 }),
    fc.integer({ min: 0, max: 9999999 }),
  )
  .map(([whole, decimals, fracSeed]) => {
    const frac = decimals === 0 ? '' : String(fracSeed % 10 ** decimals).padStart(decimals, '0');
    // -100 is the floor: -100.5 would be below it, so keep -100 whole.
    const useFrac = whole !== -100 && frac !== '';
    const text = useFrac ? `${whole}.${frac}` : String(whole);
    const sign = whole < 0 || text.startsWith('-') ? -1n : 1n;
    const magnitude = BigInt(`${Math.abs(whole)}${useFrac ? frac : ''}`);
    return { text, numerator: sign * magnitude, denominator: 10n ** BigInt(useFrac ? frac.length : 0) };
  });

/** rate × (100 + pct) / 100 on the 10^-4 grid, rounded half up, with quotient and remainder. */
function markupReference(rate: bigint /* 10^-4 */, pct: PercentText): bigint {
  const num = rate * (100n * pct.denominator + pct.numerator);
  const den = 100n * pct.denominator;
  const q = num / den;
  const r = num % den;
  return unitsFromTenThousandths(2n * r >= den ? q + 1n : q);
}

// ---- properties of money.ts -------------------------------------------------------------------

describe('money.ts: exact amounts at one fixed scale', () => {
  it('parseRate reads any rate of 0..10000 with up to 4 decimals exactly', () => {
    fc.assert(
      fc.property(rateTextArb, (r) => {
        expect(parseRate(r.text)).toBe(unitsFromTenThousandths(r.tenThousandths));
      }),
      params(2000),
    );
  });

  it('parseRate refuses a fifth significant decimal and negative rates instead of rounding', () => {
    fc.assert(
      fc.property(rateTextArb, fc.integer({ min: 1, max: 9 }), (r, digit) => {
        const fifth = r.text.includes('.')
          ? `${r.text.padEnd(r.text.indexOf('.') + 5, '0')}${digit}`
          : `${r.text}.0000${digit}`;
        expect(parseRate(fifth)).toBeNull();
        if (r.tenThousandths > 0n) expect(parseRate(`-${r.text}`)).toBeNull();
      }),
      params(1000),
    );
  });

  it('chargeFor is exactly rate × quantity / 1000 for every rate and quantity, no rounding', () => {
    fc.assert(
      // 10000 per 1000 × 10^7 items is 10^18 units, within 64 bits; larger products are the overflow test's.
      fc.property(rateTextArb, fc.bigInt({ min: 0n, max: 10n ** 7n }), (r, quantity) => {
        const rateUnits = parseRate(r.text);
        if (rateUnits === null) throw new Error(`reference rate ${r.text} refused`);
        // A rate in 10^-4 times a quantity, divided by 1000, is a count of 10^-7: the charge in units.
        const expected = r.tenThousandths * quantity;
        expect(chargeFor(rateUnits, quantity)).toBe(expected);
        if (quantity <= BigInt(Number.MAX_SAFE_INTEGER))
          expect(chargeFor(rateUnits, Number(quantity))).toBe(expected);
        expect(formatAmount(expected)).toBe(displayAmount(expected));
      }),
      params(3000),
    );
  });

  it('chargeFor of the reference example: 0.73 per 1000 × 1234 = "0.90082"', () => {
    expect(formatAmount(chargeFor(parseRate('0.73')!, 1234))).toBe('0.90082');
    expect(formatAmount(chargeFor(parseRate('10000')!, 10n ** 6n))).toBe('10000000.00');
    expect(formatAmount(chargeFor(parseRate('0.0001')!, 1))).toBe('0.0000001');
  });

  it('partialRefund never exceeds the charge, and refund + kept = charge exactly', () => {
    fc.assert(
      fc.property(
        rateTextArb,
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        fc.bigInt({ min: -(10n ** 7n), max: 2n * 10n ** 7n }),
        (r, quantity, remainsRaw) => {
          const rateUnits = parseRate(r.text)!;
          const charge = chargeFor(rateUnits, quantity);
          const refund = partialRefund(charge, rateUnits, remainsRaw);
          expect(refund >= 0n).toBe(true);
          expect(refund <= charge).toBe(true);
          // What was delivered (clamped to 0..quantity) is what is kept, priced independently.
          const remains = clampBig(remainsRaw, 0n, quantity);
          const kept = r.tenThousandths * (quantity - remains);
          expect(refund).toBe(r.tenThousandths * remains);
          expect(refund + kept).toBe(charge);
        },
      ),
      params(3000),
    );
  });

  it('formatAmount and parseAmount round-trip every 64-bit amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (units) => {
        const text = formatAmount(units);
        expect(text).toBe(displayAmount(units));
        expect(parseAmount(text)).toBe(units);
      }),
      params(3000),
    );
    for (const units of [0n, 1n, -1n, INT64_MAX, INT64_MIN, INT64_MIN + 1n]) {
      expect(parseAmount(formatAmount(units))).toBe(units);
    }
  });

  it('parseAmount reads a decimal string as the same number at 10^-7, or refuses it', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.stringMatching(/^\d{1,11}$/),
        fc.stringMatching(/^\d{0,7}$/),
        (neg, whole, frac) => {
          const text = `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
          const magnitude = BigInt(`${whole}${frac.padEnd(7, '0')}`);
          expect(parseAmount(text)).toBe(neg ? -magnitude : magnitude);
        },
      ),
      params(2000),
    );
    for (const bad of [
      '',
      '.',
      '1.',
      '.5',
      '+1',
      '1e3',
      '0x10',
      '1,5',
      'NaN',
      'Infinity',
      '١٢',
      '1.00000001',
      '--1',
    ]) {
      expect(parseAmount(bad)).toBeNull();
    }
  });

  it('formatRate shows a rate as short as exact ("12", "0.73", "2.5") and reads back the same', () => {
    fc.assert(
      fc.property(rateTextArb, (r) => {
        const units = parseRate(r.text)!;
        const shown = formatRate(units);
        expect(parseRate(shown)).toBe(units);
        const [whole, frac = ''] = sevenDecimals(units).split('.');
        const trimmed = frac.replace(/0+$/, '');
        expect(shown).toBe(trimmed ? `${whole}.${trimmed}` : whole);
      }),
      params(1000),
    );
  });

  it('an upstream rate finer than 4 decimals is rounded half up to 4 decimals, the one rounding rule', () => {
    const bound = INT64_MAX - 10n ** 4n;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: bound }), (units) => {
        expect(markupDecimalRate(sevenDecimals(units), '0')).toBe(roundHalfUpReference(units));
      }),
      params(3000),
    );
    // The exact half-way points go up.
    expect(markupDecimalRate('0.00005', '0')).toBe(1000n);
    expect(markupDecimalRate('0.0000499999999999', '0')).toBe(0n);
    expect(markupDecimalRate('1234.56785', '0')).toBe(12_345_679_000n);
    expect(markupDecimalRate('0.657880205', '0')).toBe(parseRate('0.6579'));
  });

  it('a markup gives rate × (100 + pct) / 100 rounded half up to 4 decimals, for every rate 0..10000', () => {
    fc.assert(
      fc.property(rateTextArb, percentArb, (r, pct) => {
        expect(markupDecimalRate(r.text, pct.text)).toBe(markupReference(r.tenThousandths, pct));
      }),
      params(3000),
    );
    expect(markupDecimalRate('1000', '25')).toBe(parseRate('1250'));
    expect(markupDecimalRate('10000', '12.5')).toBe(parseRate('11250'));
    expect(markupDecimalRate('0.0001', '50')).toBe(parseRate('0.0002'));
    expect(markupDecimalRate('0.0001', '49.9999999')).toBe(parseRate('0.0001'));
    expect(markupDecimalRate('1', '-100')).toBe(0n);
    expect(markupDecimalRate('1', '-100.0000001')).toBeNull();
    expect(markupDecimalRate('1', 'ten')).toBeNull();
    for (const bad of ['', '-1', '1e3', '0x10', '1.', '.5', '1,5', 'abc'])
      expect(markupDecimalRate(bad, '0')).toBeNull();
  });

  it('a markup on an upstream rate with up to 30 decimals is computed exactly and rounded once', () => {
    const upstreamRate = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.integer({ min: 0, max: 30 }), fc.bigInt({ min: 0n }))
      .map(([whole, decimals, seed]) => {
        const frac =
          decimals === 0 ? '' : (seed % 10n ** BigInt(decimals)).toString().padStart(decimals, '0');
        return { text: frac ? `${whole}.${frac}` : `${whole}`, scaled: BigInt(`${whole}${frac}`), decimals };
      });
    fc.assert(
      fc.property(upstreamRate, percentArb, (rate, pct) => {
        // rate × (100 + pct) / 100 in 10^-4, as one fraction rounded half up: no intermediate rounding.
        const num = rate.scaled * 10n ** 4n * (100n * pct.denominator + pct.numerator);
        const den = 10n ** BigInt(rate.decimals) * 100n * pct.denominator;
        const q = num / den;
        const expected = unitsFromTenThousandths(2n * (num % den) >= den ? q + 1n : q);
        expect(markupDecimalRate(rate.text, pct.text)).toBe(expected);
      }),
      params(3000),
    );
  });
});

describe('money.ts: overflow is an error, never a wrap', () => {
  const isOverflow = (err: unknown) => err instanceof MoneyOverflowError;

  it('chargeFor either returns the exact charge or throws MoneyOverflowError', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
        (rate4, quantity) => {
          const rateUnits = unitsFromTenThousandths(rate4);
          const exact = rate4 * quantity;
          let got: bigint | undefined;
          try {
            got = chargeFor(rateUnits, quantity);
          } catch (err) {
            expect(isOverflow(err)).toBe(true);
            // Refusing is only allowed when the exact product does not fit 64 bits.
            expect(rateUnits * quantity > INT64_MAX).toBe(true);
            return;
          }
          expect(got).toBe(exact);
          expect(got <= INT64_MAX).toBe(true);
        },
      ),
      params(3000),
    );
    expect(() => chargeFor(parseRate('10000')!, 10n ** 15n)).toThrow(MoneyOverflowError);
  });

  it('a derived rate that does not fit 64 bits is an overflow error, never a wrap', () => {
    expect(() => markupDecimalRate('922337203685.4775807', '0')).toThrow(MoneyOverflowError);
    expect(() => markupDecimalRate('100000000000', '1000')).toThrow(MoneyOverflowError);
    expect(markupDecimalRate('922337203685.4775', '0')).toBe(922337203685_4775000n);
  });

  it('a markup returns the exact rounded rate or throws MoneyOverflowError when it cannot fit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: INT64_MAX / 1000n }), percentArb, (rate4, pct) => {
        const expected = markupReference(rate4, pct);
        let got: bigint | null;
        try {
          got = markupDecimalRate(formatRate(unitsFromTenThousandths(rate4)), pct.text);
        } catch (err) {
          expect(isOverflow(err)).toBe(true);
          expect(expected > INT64_MAX).toBe(true);
          return;
        }
        expect(got).toBe(expected);
      }),
      params(3000),
    );
  });

  it('parseAmount refuses what does not fit instead of wrapping', () => {
    expect(parseAmount('922337203685.4775807')).toBe(INT64_MAX);
    expect(parseAmount('922337203685.4775808')).toBeNull();
    expect(parseAmount('-922337203685.4775808')).toBe(INT64_MIN);
    expect(parseAmount('-922337203685.4775809')).toBeNull();
    expect(parseAmount('9999999999999999999')).toBeNull();
    expect(parseAmount(`1${'0'.repeat(40)}`)).toBeNull();
    expect(parseRate('922337203685.4775')).toBe(922337203685_4775000n);
    expect(parseRate('922337203685.4776')).toBeNull();
  });

  it('toUnits accepts only exact integers', () => {
    expect(toUnits(12)).toBe(12n);
    expect(toUnits('-9223372036854775808')).toBe(INT64_MIN);
    expect(toUnits(2n ** 70n)).toBe(2n ** 70n);
    for (const bad of [1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, '1.0', '1e3', '', null, undefined, {}]) {
      expect(() => toUnits(bad)).toThrow(TypeError);
    }
  });
});

// ---- end to end: random orders and settlements on the real databases -------------------------------

type Op =
  | { kind: 'order'; quantity: number }
  | { kind: 'settle'; pick: number; status: 'completed' | 'partial' | 'canceled'; remainsFraction: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('order' as const), quantity: fc.integer({ min: 10, max: 5000 }) }),
  fc.record({
    kind: fc.constant('settle' as const),
    pick: fc.nat(),
    status: fc.constantFrom('completed' as const, 'partial' as const, 'canceled' as const),
    remainsFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

describeEachDb('random orders and settlements keep the books balanced', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  it('ledger sum = balance, balance = initial - sum(kept), each order charged once and settled once', async () => {
    const db = ctx().db.db;
    await fc.assert(
      fc.asyncProperty(
        rateTextArb,
        fc.integer({ min: 0, max: 200 }),
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        async (rate, initialWhole, ops) => {
          const initial = BigInt(initialWhole) * 10n ** 7n;
          const user = await seedUser(db, String(initialWhole));
          const service = await seedService(db, { rate: rate.text, min: 10, max: 5000 });
          const orders: { id: number; quantity: bigint; charge: bigint; kept: bigint; settled: boolean }[] =
            [];
          let modelBalance = initial;

          for (const op of ops) {
            if (op.kind === 'order') {
              const charge = r4(rate) * BigInt(op.quantity);
              const res = await callApi(app, {
                key: user.apiKey,
                action: 'add',
                service,
                link: 'https://x.test/p',
                quantity: op.quantity,
              });
              if (charge <= modelBalance) {
                expect(res.body).toEqual({ order: expect.any(Number) });
                orders.push({
                  id: res.body.order,
                  quantity: BigInt(op.quantity),
                  charge,
                  kept: charge,
                  settled: false,
                });
                modelBalance -= charge;
              } else {
                expect(res.body).toEqual({ error: 'Not enough funds on balance' });
              }
              continue;
            }
            if (orders.length === 0) continue;
            const order = orders[op.pick % orders.length]!;
            const remains =
              op.status === 'partial'
                ? 1n + BigInt(Math.floor(op.remainsFraction * Number(order.quantity - 1n)))
                : undefined;
            const r = await changeOrderStatus({
              db,
              orderId: order.id,
              change: { status: op.status, remains },
            });
            if (order.settled) {
              // A terminal status never changes again, and no second refund is paid.
              expect(r.ok).toBe(false);
              continue;
            }
            expect(r.ok).toBe(true);
            const refund =
              op.status === 'completed'
                ? 0n
                : op.status === 'canceled'
                  ? order.charge
                  : r4(rate) * (remains ?? 0n);
            if (r.ok) expect(r.value.refundUnits).toBe(refund);
            order.kept = order.charge - refund;
            order.settled = true;
            modelBalance += refund;
            const st = await callApi(app, { key: user.apiKey, action: 'status', order: order.id });
            expect(st.body.charge).toBe(displayAmount(order.kept));
          }

          const keptSum = orders.reduce((s, o) => s + o.kept, 0n);
          expect(modelBalance).toBe(initial - keptSum);
          const bal = await callApi(app, { key: user.apiKey, action: 'balance' });
          expect(bal.body.balance).toBe(displayAmount(initial - keptSum));
          const row = await db
            .selectFrom('users')
            .select('balance_units')
            .where('id', '=', user.id)
            .executeTakeFirstOrThrow();
          expect(toUnits(row.balance_units)).toBe(initial - keptSum);
          const entries = await db
            .selectFrom('ledger_entries')
            .select(['amount_units', 'kind', 'order_id'])
            .where('user_id', '=', user.id)
            .execute();
          expect(entries.reduce((s, e) => s + toUnits(e.amount_units), 0n)).toBe(initial - keptSum);
          for (const o of orders) {
            const mine = entries.filter((e) => Number(e.order_id) === o.id);
            expect(mine.filter((e) => e.kind === 'order_charge').length).toBe(o.charge > 0n ? 1 : 0);
            expect(mine.filter((e) => e.kind === 'order_refund').length).toBe(o.kept < o.charge ? 1 : 0);
          }
          expect((await checkLedger({ db })).problems).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: ctx().dialect === 'postgres' ? 12 : 25 },
    );
  });
});

function clampBig(v: bigint, lo: bigint, hi: bigint): bigint {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

function r4(rate: RateText): bigint {
  return rate.tenThousandths;
}
