/**
 * The browser says refusals from its message catalogue, keyed by failure code (web/src/locales/en.json,
 * `errors.*`), so a translation is a file. The English entries must say exactly what the server says —
 * for orders, refills and cancels that is API v2's own string. Checked two ways: for a sample of every
 * failure a customer can meet, the catalogue entry filled with the answer's `params` equals the
 * answer's `error`; and through the real HTTP API, refusals carry the facts the entries need.
 */

import i18next from 'i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TooManyAttempts, type WebError, webErrorOf, webFailure } from '../src/http/web/errors.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import type { Failure } from '../src/result.js';
import { errorKey } from '../web/src/error-key.js';
import en from '../web/src/locales/en.json' with { type: 'json' };
import { adminActor } from './helpers/actor.js';
import { makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, type WebClient } from './helpers/web.js';

/** Every failure the web panel (customer pages and the admin area) can answer, with sample facts. */
const CUSTOMER_FAILURES: Failure[] = [
  { code: 'unknown_service' },
  { code: 'unknown_order' },
  { code: 'unknown_refill' },
  { code: 'unknown_user' },
  { code: 'invalid_username' },
  { code: 'user_exists', username: 'alice' },
  { code: 'missing_param', param: 'link' },
  { code: 'invalid_param', param: 'runs' },
  { code: 'quantity_below_min', min: 100n },
  { code: 'quantity_above_max', max: 9007199254740993n },
  { code: 'dripfeed_unsupported' },
  { code: 'insufficient_funds' },
  { code: 'not_refillable' },
  { code: 'refill_open' },
  { code: 'not_cancelable' },
  { code: 'cancel_requested' },
  { code: 'amount_too_large' },
  { code: 'weak_password', minLength: 8 },
  { code: 'invalid_credentials' },
  { code: 'no_session' },
  { code: 'signup_closed' },
  { code: 'wrong_password' },
  { code: 'malformed_line', problem: 'fields' },
  { code: 'malformed_line', problem: 'service' },
  { code: 'malformed_line', problem: 'quantity' },
  { code: 'too_many_lines', max: 100 },
  { code: 'no_lines' },
  { code: 'unknown_ticket' },
  { code: 'ticket_closed', ticketId: 42 },
  { code: 'invalid_ticket_message', maxChars: 5000 },
  { code: 'invalid_ticket_subject' },
  { code: 'invalid_reset_token' },
  { code: 'reset_unavailable' },
  { code: 'invalid_email', maxLength: 254 },
  { code: 'email_taken' },
  { code: 'unknown_session' },
  // The admin area (staff):
  { code: 'forbidden' },
  { code: 'last_admin' },
  { code: 'invalid_amount', text: '1.2.3' },
  { code: 'negative_amount' },
  { code: 'zero_amount' },
  { code: 'invalid_export_period' },
  { code: 'export_period_too_long', maxDays: 366 },
  { code: 'unknown_category' },
  { code: 'category_exists', name: 'Instagram' },
  { code: 'invalid_position', max: 7 },
  { code: 'invalid_percent' },
  { code: 'rate_too_low', serviceId: 12 },
  { code: 'invalid_rate', text: '1.23456' },
  // Two-factor sign-in:
  { code: 'two_factor_required' },
  { code: 'wrong_two_factor_code' },
  { code: 'invalid_two_factor_token' },
  { code: 'two_factor_on' },
  { code: 'two_factor_off' },
  { code: 'two_factor_not_started' },
  // Payments (Add funds and the admin's Payments pages):
  { code: 'unknown_payment_method' },
  { code: 'unknown_payment' },
  { code: 'invalid_payment_amount' },
  { code: 'payment_below_min', min: '5.00' },
  { code: 'payment_above_max', max: '1000.00' },
  { code: 'invalid_payment_reference', maxChars: 200 },
  { code: 'payment_gateway_refused' },
  { code: 'payment_gateway_unreachable' },
  { code: 'payment_not_pending', paymentId: 12, state: 'completed' },
  { code: 'payment_not_credited', paymentId: 12, state: 'pending' },
  { code: 'invalid_payment_method', field: 'max', message: 'must not be below the minimum' },
  { code: 'too_many_pending_payments', max: 5 },
  { code: 'public_url_needed' },
];

const t = i18next.createInstance();
await t.init({
  resources: { en: { translation: en } },
  lng: 'en',
  interpolation: { escapeValue: false },
});

/** What the browser shows for an answer (the same steps as failureText in web/src/api.ts). */
function shown(body: WebError['body']): string | null {
  const key = `errors.${errorKey(body.code, body.params)}`;
  return t.exists(key) ? t.t(key, body.params ?? {}) : null;
}

describe('the message catalogue', () => {
  it.each(CUSTOMER_FAILURES.map((f) => [f.code, f] as const))('%s says what the server says', (_code, f) => {
    const { body } = webFailure(f);
    expect(shown(body)).toBe(body.error);
  });

  it('the face-level refusals (CSRF, limits, faults) say what the server says', () => {
    const answers = [
      webErrorOf(Object.assign(new Error('x'), { code: 'FST_CSRF_INVALID_TOKEN' })),
      webErrorOf(new TooManyAttempts(17)),
      webErrorOf(Object.assign(new Error('x'), { statusCode: 429 })),
      webErrorOf(Object.assign(new Error('x'), { statusCode: 413 })),
      webErrorOf(new Error('boom')),
    ];
    expect(answers.map((a) => a.body.code)).toEqual([
      'csrf',
      'rate_limited',
      'rate_limited',
      'too_large',
      'internal',
    ]);
    for (const a of answers) expect(shown(a.body)).toBe(a.body.error);
    expect(answers[1]?.body.params).toEqual({ seconds: '17' });
  });

  it('every entry is used: an entry for a code the server never sends would never be translated', () => {
    const keys = new Set(
      [
        ...CUSTOMER_FAILURES.map((f) => webFailure(f).body),
        ...['csrf', 'too_large', 'internal'].map((code): WebError['body'] => ({ code, error: '' })),
      ].map((b) => errorKey(b.code, b.params)),
    );
    const extra = Object.keys(en.errors).filter(
      (k) => !keys.has(k) && !['rate_limited', 'rate_limited_seconds', 'network'].includes(k),
    );
    expect(extra).toEqual([]);
  });
});

describeEachDb('refusals through the web API carry their facts', (ctx) => {
  let web: WebClient;
  let serviceId: number;
  let app: Awaited<ReturnType<typeof makeApi>>;

  beforeAll(async () => {
    app = await makeApi(ctx().db.db, {});
    serviceId = await seedService(ctx().db.db, { rate: '1', min: 100, max: 5000 });
    const u = await seedUser(ctx().db.db, '1');
    web = await signedInClient(app, ctx().db.db, u.username, { password: 'messages password' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('a quote below the minimum: 422 with min, and the catalogue says it as API v2 does', async () => {
    const r = await web.post('/orders/quote', { service: serviceId, link: 'https://x.com/a', quantity: '5' });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error: 'Quantity less than minimal 100',
      code: 'quantity_below_min',
      params: { min: '100' },
    });
    expect(shown(r.body)).toBe('Quantity less than minimal 100');
  });

  it('a refusal without facts has no params', async () => {
    const r = await web.post('/orders', {
      service: serviceId,
      link: 'https://x.com/a',
      quantity: '5000',
      idempotencyKey: 'messages-1',
    });
    expect(r.status).toBe(402);
    expect(r.body).toEqual({ error: 'Not enough funds on balance', code: 'insufficient_funds' });
  });

  it('each refused line of a mass order carries its code and facts', async () => {
    const r = await web.post('/orders/mass', {
      text: `${serviceId} | https://x.com/a | 6000\n${serviceId} | https://x.com/b | x`,
      idempotencyKey: 'messages-mass',
    });
    expect(r.status).toBe(200);
    const lines = r.body.lines as WebError['body'][];
    expect(lines.map((l) => [l.code, l.params])).toEqual([
      ['quantity_above_max', { max: '5000' }],
      ['malformed_line', { problem: 'quantity' }],
    ]);
    for (const l of lines) expect(shown(l)).toBe(l.error);
  });

  it("adding funds below a method's minimum: 422 with min, and the catalogue says it", async () => {
    const m = await createPaymentMethod({
      db: ctx().db.db,
      box: SecretBox.ephemeral(),
      actor: await adminActor(ctx().db.db),
      kind: 'manual',
      input: {
        name: 'Bank',
        instructions: 'IBAN',
        min: '10',
        max: '500',
        adjustPercent: '0',
        enabled: true,
        settings: {},
      },
    });
    if (!m.ok) throw new Error(m.failure.code);
    const r = await web.post('/payments', { methodId: m.value.id, amount: '9.99', reference: 'TX 1' });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error: 'The smallest amount for this method is 10.00',
      code: 'payment_below_min',
      params: { min: '10.00' },
    });
    expect(shown(r.body)).toBe('The smallest amount for this method is 10.00');
  });
});
