/**
 * Property: whatever a gateway does and however its messages arrive (callbacks replayed, forged,
 * reordered, racing the engine's status checks), each payment ends with the first final status the
 * panel heard, is credited exactly what the rule gives for it, and the books balance. Random runs
 * over several payments, on SQLite and Postgres, with the real HTTP callback endpoint and a fake
 * Cryptomus on 127.0.0.1.
 */

import * as fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildServer } from '../src/http/server.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount } from '../src/money.js';
import { checkOpenPayments } from '../src/payments/check-open-payments.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { creditFor } from '../src/payments/payment-rules.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { setMailSettings } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { type FakeCryptomus, type FakeStatus, startFakeCryptomus } from './helpers/fake-cryptomus.js';

/** What the gateway can say, and what each final word is worth on an invoice of 10.00 (before the bonus). */
const STATUSES: Record<
  string,
  { set: FakeStatus; final: null | { state: string; received: string | null } }
> = {
  check: { set: { status: 'check' }, final: null },
  waiting: {
    set: { status: 'wrong_amount_waiting', paymentAmount: '4', payerAmount: '10', payerCurrency: 'USDT' },
    final: null,
  },
  paid: {
    set: { status: 'paid', paymentAmount: '10', payerAmount: '10', payerCurrency: 'USDT' },
    final: { state: 'completed', received: '10' },
  },
  over: {
    set: { status: 'paid_over', paymentAmount: '12.345', payerAmount: '10', payerCurrency: 'USDT' },
    final: { state: 'completed', received: '12.34' },
  },
  under: {
    set: { status: 'wrong_amount', paymentAmount: '5.5', payerAmount: '11', payerCurrency: 'USDT' },
    final: { state: 'partial', received: '5' },
  },
  cancel: { set: { status: 'cancel' }, final: { state: 'expired', received: null } },
  fail: { set: { status: 'fail' }, final: { state: 'failed', received: null } },
};
const BONUS_BP = 300;
const PAYMENTS = 2;

type Command =
  | { kind: 'set'; i: number; status: string }
  | { kind: 'callback'; i: number; forged: boolean }
  | { kind: 'check' }
  | { kind: 'burst'; i: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    i: fc.nat(PAYMENTS - 1),
    status: fc.constantFrom(...Object.keys(STATUSES)),
  }),
  fc.record({ kind: fc.constant('callback' as const), i: fc.nat(PAYMENTS - 1), forged: fc.boolean() }),
  fc.record({ kind: fc.constant('check' as const) }),
  fc.record({ kind: fc.constant('burst' as const), i: fc.nat(PAYMENTS - 1) }),
);

describeEachDb('payments, any order of gateway messages', (ctx) => {
  const db = () => ctx().db.db;
  const box = SecretBox.ephemeral();
  let app: FastifyInstance;
  let fake: FakeCryptomus;
  let methodId: number;
  let clock = Date.now();

  beforeAll(async () => {
    app = await buildServer({
      db: db(),
      secretBox: box,
      logLevel: 'silent',
      callbackLimitPerMinute: 100_000,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    await setMailSettings(db(), { publicUrl: `http://127.0.0.1:${port}` });
    fake = await startFakeCryptomus({ merchant: 'merchant-prop', apiKey: 'prop-key' });
    const m = await createPaymentMethod({
      db: db(),
      box,
      actor: await adminActor(db()),
      kind: 'cryptomus',
      input: {
        name: 'Crypto',
        instructions: '',
        min: '1',
        max: '100',
        adjustPercent: '3',
        enabled: true,
        settings: { merchant: 'merchant-prop', apiKey: 'prop-key', apiUrl: fake.url, lifetime: '' },
      },
    });
    if (!m.ok) throw new Error(JSON.stringify(m.failure));
    methodId = m.value.id;
  });
  afterAll(async () => {
    await fake.close();
    await app.close();
  });

  test('each payment ends with the first final status heard and is credited once, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 6, maxLength: 30 }), async (commands) => {
        const user = await seedUser(db());
        const ids: number[] = [];
        const uuids: string[] = [];
        for (let i = 0; i < PAYMENTS; i++) {
          const p = await startPayment({ db: db(), box, userId: user.id, methodId, amount: '10' });
          if (!p.ok) throw new Error(JSON.stringify(p.failure));
          ids.push(p.value.id);
          const inv = [...fake.invoices.values()].find((x) => x.orderId === String(p.value.id));
          if (!inv) throw new Error('no invoice at the fake');
          uuids.push(inv.uuid);
        }
        // The model: the gateway's current word per payment, and the first final word the panel heard.
        const current: string[] = ids.map(() => 'check');
        const heard: (string | null)[] = ids.map(() => null);
        const hear = (i: number) => {
          if (heard[i] === null && STATUSES[current[i] as string]?.final) heard[i] = current[i] as string;
        };
        const check = async () => {
          clock += 10 * 24 * 3_600_000;
          await checkOpenPayments({ db: db(), box, now: clock });
        };
        for (const c of commands) {
          if (c.kind === 'set') {
            current[c.i] = c.status;
            fake.setStatus(uuids[c.i] as string, (STATUSES[c.status] as { set: FakeStatus }).set);
          } else if (c.kind === 'callback') {
            const r = await fake.callback(uuids[c.i] as string, { sign: c.forged ? 'forged' : 'valid' });
            expect(r).toStrictEqual({ status: 200, body: '{"ok":true}' });
            if (!c.forged) hear(c.i);
          } else if (c.kind === 'check') {
            await check();
            for (let i = 0; i < PAYMENTS; i++) hear(i);
          } else {
            const u = uuids[c.i] as string;
            await Promise.all([fake.callback(u), fake.callback(u), check(), fake.callback(u)]);
            for (let i = 0; i < PAYMENTS; i++) hear(i);
          }
        }
        let expectedBalance = 0n;
        for (const [i, id] of ids.entries()) {
          const row = await db()
            .selectFrom('payments')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          const word = heard[i];
          const final = word ? STATUSES[word]?.final : null;
          const received = final?.received ? (parseAmount(final.received) as bigint) : null;
          const credited = received === null ? 0n : creditFor(received, BONUS_BP);
          expectedBalance += credited;
          expect({ id, state: row.state, credited: formatAmount(BigInt(row.credited_units)) }).toStrictEqual({
            id,
            state: final?.state ?? 'pending',
            credited: formatAmount(credited),
          });
          const credits = await db()
            .selectFrom('ledger_entries')
            .select('amount_units')
            .where('payment_id', '=', id)
            .execute();
          expect(credits.map((e) => formatAmount(BigInt(e.amount_units)))).toStrictEqual(
            credited > 0n ? [formatAmount(credited)] : [],
          );
        }
        const balance = await db()
          .selectFrom('users')
          .select('balance_units')
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        expect(formatAmount(BigInt(balance.balance_units))).toBe(formatAmount(expectedBalance));
      }),
      {
        numRuns: 15,
        // The cases that matter most, always run: a late "paid" after the invoice expired or failed, a
        // callback replayed after the engine's check ended it, forged words among real ones.
        examples: [
          [
            [
              { kind: 'set', i: 0, status: 'cancel' },
              { kind: 'callback', i: 0, forged: false },
              { kind: 'set', i: 0, status: 'paid' },
              { kind: 'callback', i: 0, forged: false },
              { kind: 'set', i: 1, status: 'fail' },
              { kind: 'check' },
              { kind: 'set', i: 1, status: 'over' },
              { kind: 'burst', i: 1 },
            ],
          ],
          [
            [
              { kind: 'set', i: 0, status: 'under' },
              { kind: 'callback', i: 0, forged: true },
              { kind: 'check' },
              { kind: 'callback', i: 0, forged: false },
              { kind: 'set', i: 1, status: 'waiting' },
              { kind: 'burst', i: 1 },
              { kind: 'set', i: 1, status: 'paid' },
              { kind: 'callback', i: 1, forged: true },
              { kind: 'burst', i: 1 },
            ],
          ],
        ],
      },
    );
    expect((await checkLedger({ db: db() })).problems).toStrictEqual([]);
  }, 240_000);
});
