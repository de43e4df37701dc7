/**
 * The Cryptomus method module: the outcome table and the conversion rule (through signed callbacks),
 * signature checks (PHP's escaping), settings, and create/queryStatus against a fake Cryptomus that is
 * a real HTTP server (test/helpers/fake-cryptomus.ts), plus servers that answer garbage or never answer.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCALE } from '../src/money.js';
import { cryptomus } from '../src/payments/methods/cryptomus.js';
import type { CallbackOutcome, GatewayUpdate, MethodSettings } from '../src/payments/methods/method.js';
import {
  type FakeCryptomus,
  phpJsonEncode,
  signCryptomus,
  signCryptomusText,
  startFakeCryptomus,
} from './helpers/fake-cryptomus.js';

const MERCHANT = '8b03432e-385b-4670-8d06-064591096795';
const API_KEY = 'k3y-Of-The-Merchant/with+odd=chars';

/** Units from a decimal written in the test (exact: the test's own figures). */
function u(text: string): bigint {
  const [w, f = ''] = text.split('.');
  return BigInt(w ?? '0') * SCALE + BigInt(f.padEnd(7, '0'));
}

function settingsFor(apiUrl: string, apiKey = API_KEY, merchant = MERCHANT): MethodSettings {
  return { config: { merchant, apiUrl, lifetime: '3600' }, secrets: { apiKey } };
}

const cbSettings = settingsFor('http://127.0.0.1:1');

/** The text Cryptomus posts: the PHP-encoded body with its sign appended. */
function signedRaw(body: Record<string, unknown>, apiKey = API_KEY): string {
  return phpJsonEncode({ ...body, sign: signCryptomus(body, apiKey) });
}

function verify(raw: string, settings: MethodSettings = cbSettings): CallbackOutcome {
  return cryptomus.verifyCallback(
    { rawBody: raw, headers: { 'content-type': 'application/json' } },
    settings,
  );
}

function updateOf(raw: string): GatewayUpdate {
  const out = verify(raw);
  if (out.kind !== 'update') throw new Error(`expected an update, got ${JSON.stringify(out)}`);
  return out.update;
}

function callbackBody(over: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'payment',
    uuid: 'a3bd5b8e-64f7-4c0c-8f8b-bd4c8e6bd7a1',
    order_id: '42',
    amount: '10.00',
    payment_amount: null,
    payer_amount: null,
    payment_amount_usd: '0.00',
    merchant_amount: '0.00',
    commission: '0.00',
    is_final: false,
    status: 'check',
    from: null,
    wallet_address_uuid: null,
    network: 'tron',
    currency: 'USD',
    payer_currency: 'USDT',
    additional_data: null,
    txid: null,
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete body[k];
    else body[k] = v;
  }
  return body;
}

describe('Cryptomus: the outcome of each status word', () => {
  const table: [string, string][] = [
    ['paid', 'paid'],
    ['paid_over', 'paid'],
    ['wrong_amount', 'underpaid'],
    ['cancel', 'expired'],
    ['fail', 'failed'],
    ['system_fail', 'failed'],
    ['refund_process', 'refunded'],
    ['refund_fail', 'refunded'],
    ['refund_paid', 'refunded'],
    ['check', 'waiting'],
    ['process', 'waiting'],
    ['confirm_check', 'waiting'],
    ['wrong_amount_waiting', 'waiting'],
    ['locked', 'waiting'],
    ['something_new', 'waiting'],
  ];
  it.each(table)('%s -> %s', (status, outcome) => {
    const up = updateOf(signedRaw(callbackBody({ status })));
    expect(up.outcome).toBe(outcome);
    expect(up.status).toBe(status);
    expect(up.gatewayRef).toBe('a3bd5b8e-64f7-4c0c-8f8b-bd4c8e6bd7a1');
    expect(up.amountUnits).toBe(u('10'));
    expect(up.currency).toBe('USD');
  });
});

describe('Cryptomus: what was received (the conversion rule)', () => {
  type Row = {
    name: string;
    status: string;
    amount?: string;
    currency?: string;
    P?: string | null;
    Q?: string | null;
    payerCurrency?: string | null;
    want: string | null;
  };
  const rows: Row[] = [
    { name: 'paid: A exactly, whatever P says', status: 'paid', P: '10.49', Q: '10.5', want: '10' },
    { name: 'paid without any payer figures', status: 'paid', want: '10' },
    { name: 'underpaid half: 10 × 5.25 / 10.5', status: 'wrong_amount', P: '5.25', Q: '10.5', want: '5.00' },
    {
      name: 'underpaid 10 × 10.4 / 10.5 = 9.904.. -> 9.90',
      status: 'wrong_amount',
      P: '10.4',
      Q: '10.5',
      want: '9.90',
    },
    { name: 'paid over 10 × 12.345 / 10 -> 12.34', status: 'paid_over', P: '12.345', Q: '10', want: '12.34' },
    { name: 'paid over is never below A', status: 'paid_over', P: '10.4', Q: '10.5', want: '10' },
    { name: 'paid over, figures missing: A', status: 'paid_over', P: null, Q: null, want: '10' },
    {
      name: 'underpaid without Q, payer paid in the invoice currency: P rounded down',
      status: 'wrong_amount',
      currency: 'USDT',
      payerCurrency: 'USDT',
      P: '7.129',
      Q: null,
      want: '7.12',
    },
    {
      name: 'underpaid with Q = 0, same currency: P rounded down',
      status: 'wrong_amount',
      currency: 'USDT',
      payerCurrency: 'USDT',
      P: '3.999',
      Q: '0',
      want: '3.99',
    },
    {
      name: 'underpaid without Q in another currency: cannot be told',
      status: 'wrong_amount',
      P: '5',
      Q: null,
      want: null,
    },
    {
      name: 'underpaid with Q = 0 in another currency: cannot be told',
      status: 'wrong_amount',
      P: '5',
      Q: '0',
      want: null,
    },
    {
      name: 'underpaid, nothing given: cannot be told',
      status: 'wrong_amount',
      P: null,
      Q: null,
      want: null,
    },
    {
      name: 'crypto figures with many decimals stay exact',
      status: 'wrong_amount',
      P: '0.000123456789',
      Q: '0.000246913578',
      want: '5.00',
    },
    {
      name: 'waiting with a part paid: 10 × 3 / 10.5 = 2.857 -> 2.85',
      status: 'wrong_amount_waiting',
      P: '3',
      Q: '10.5',
      want: '2.85',
    },
    { name: 'waiting (confirm_check) with P', status: 'confirm_check', P: '5.25', Q: '10.5', want: '5.00' },
    { name: 'waiting with P = 0', status: 'check', P: '0.00000000', Q: '10.5', want: '0' },
    { name: 'waiting without P', status: 'check', P: null, Q: '10.5', want: null },
    { name: 'expired with P = 0', status: 'cancel', P: '0', Q: '10.5', want: '0' },
    { name: 'expired without P', status: 'cancel', P: null, Q: '10.5', want: null },
    { name: 'failed with a P: not told', status: 'fail', P: '4', Q: '10.5', want: null },
    { name: 'refunded with a P: not told', status: 'refund_paid', P: '10.5', Q: '10.5', want: null },
  ];
  it.each(rows)('$name', (r) => {
    const body = callbackBody({
      status: r.status,
      amount: r.amount ?? '10.00',
      currency: r.currency ?? 'USD',
      payment_amount: r.P ?? null,
      payer_amount: r.Q ?? null,
      payer_currency: r.payerCurrency === undefined ? 'USDT' : r.payerCurrency,
    });
    const up = updateOf(signedRaw(body));
    expect(up.receivedUnits).toBe(r.want === null ? null : u(r.want));
  });

  it('amounts with more than 7 decimals are truncated, not refused', () => {
    const up = updateOf(signedRaw(callbackBody({ status: 'paid', amount: '0.123456789', currency: 'BTC' })));
    expect(up.amountUnits).toBe(1234567n);
    expect(up.receivedUnits).toBe(1234567n);
  });

  it('an amount that is not a decimal gives null, not a guess', () => {
    const up = updateOf(
      signedRaw(callbackBody({ status: 'wrong_amount', amount: 'ten', payment_amount: '5' })),
    );
    expect(up.amountUnits).toBeNull();
  });

  it.each([
    ['42', 42],
    [' 7 ', 7],
    ['0', null],
    ['-5', null],
    ['abc', null],
    ['1.5', null],
    ['1234567890123456', null],
  ])('order_id %j -> paymentId %j', (orderId, want) => {
    expect(updateOf(signedRaw(callbackBody({ order_id: orderId }))).paymentId).toBe(want);
  });

  it('without order_id, paymentId is null', () => {
    expect(updateOf(signedRaw(callbackBody({ order_id: undefined }))).paymentId).toBeNull();
  });
});

describe('Cryptomus: callback signatures', () => {
  it('a PHP-signed body with "/" and non-ASCII text in additional_data verifies', () => {
    const extra = 'https://shop.example/ünïcødé — привет 😀';
    const raw = signedRaw(callbackBody({ status: 'paid', additional_data: extra }));
    // The text Cryptomus sends is PHP's: escaped slashes and \u escapes (surrogate pairs for the emoji).
    expect(raw).toContain('https:\\/\\/shop.example\\/');
    expect(raw).toContain('\\u00fc');
    expect(raw).toContain('\\ud83d\\ude00');
    expect(raw).not.toContain('ü');
    const up = updateOf(raw);
    expect(up.outcome).toBe('paid');
  });

  it('a body signed without PHP escaping verifies too', () => {
    const body = callbackBody({ status: 'paid', additional_data: 'a/b é' });
    const plainSign = signCryptomusText(JSON.stringify(body), API_KEY);
    expect(plainSign).not.toBe(signCryptomus(body, API_KEY));
    const raw = JSON.stringify({ ...body, sign: plainSign });
    expect(verify(raw).kind).toBe('update');
  });

  it('an upper-case hex sign is accepted', () => {
    const body = callbackBody({ status: 'paid' });
    const raw = phpJsonEncode({ ...body, sign: signCryptomus(body, API_KEY).toUpperCase() });
    expect(verify(raw).kind).toBe('update');
  });

  it('a forged sign, a sign with another key, a missing or empty sign: bad_signature', () => {
    const body = callbackBody({ status: 'paid' });
    expect(verify(signedRaw(body, 'another-key'))).toEqual({ kind: 'bad_signature' });
    expect(verify(phpJsonEncode({ ...body, sign: '0'.repeat(32) }))).toEqual({ kind: 'bad_signature' });
    expect(verify(phpJsonEncode(body))).toEqual({ kind: 'bad_signature' });
    expect(verify(phpJsonEncode({ ...body, sign: '' }))).toEqual({ kind: 'bad_signature' });
    expect(verify(phpJsonEncode({ ...body, sign: 12345 }))).toEqual({ kind: 'bad_signature' });
    // The right sign checked with other settings' key.
    expect(verify(signedRaw(body), settingsFor('http://127.0.0.1:1', 'other'))).toEqual({
      kind: 'bad_signature',
    });
  });

  it('a field changed after signing: bad_signature', () => {
    const raw = signedRaw(
      callbackBody({ status: 'wrong_amount', payment_amount: '5.25', payer_amount: '10.5' }),
    );
    expect(verify(raw).kind).toBe('update');
    for (const [from, to] of [
      ['"status":"wrong_amount"', '"status":"paid"'],
      ['"amount":"10.00"', '"amount":"99.00"'],
      ['"payment_amount":"5.25"', '"payment_amount":"10.50"'],
      ['"order_id":"42"', '"order_id":"43"'],
    ] as const) {
      const tampered = raw.replace(from, to);
      expect(tampered).not.toBe(raw);
      expect(verify(tampered)).toEqual({ kind: 'bad_signature' });
    }
    // A field added, or the key order changed.
    expect(verify(raw.replace('{', '{"extra":1,'))).toEqual({ kind: 'bad_signature' });
  });

  it('not JSON, not an object, wallet callbacks, missing uuid or status: malformed', () => {
    expect(verify('status=paid').kind).toBe('malformed');
    expect(verify('[1,2]').kind).toBe('malformed');
    expect(verify('null').kind).toBe('malformed');
    expect(verify('"paid"').kind).toBe('malformed');
    expect(verify(signedRaw(callbackBody({ type: 'wallet' })))).toEqual({
      kind: 'malformed',
      reason: 'wallet callbacks are not used',
    });
    expect(verify(signedRaw(callbackBody({ uuid: undefined }))).kind).toBe('malformed');
    expect(verify(signedRaw(callbackBody({ status: undefined }))).kind).toBe('malformed');
  });

  it('a bad signature is reported before anything in the body is believed', () => {
    expect(verify(signedRaw(callbackBody({ type: 'wallet' }), 'wrong'))).toEqual({ kind: 'bad_signature' });
  });
});

describe('Cryptomus: settings', () => {
  const good = { merchant: ` ${MERCHANT} `, apiKey: ' secret-key ', apiUrl: '', lifetime: '' };

  it('trims and fills the defaults', () => {
    expect(cryptomus.parseSettings(good, null)).toEqual({
      ok: true,
      settings: {
        config: { merchant: MERCHANT, apiUrl: 'https://api.cryptomus.com', lifetime: '3600' },
        secrets: { apiKey: 'secret-key' },
      },
    });
    const r = cryptomus.parseSettings(
      { ...good, apiUrl: ' http://127.0.0.1:9999/ ', lifetime: ' 300 ' },
      null,
    );
    expect(r.ok && r.settings.config).toEqual({
      merchant: MERCHANT,
      apiUrl: 'http://127.0.0.1:9999',
      lifetime: '300',
    });
    const top = cryptomus.parseSettings({ ...good, lifetime: '43200' }, null);
    expect(top.ok && top.settings.config.lifetime).toBe('43200');
  });

  it.each([
    ['merchant', { merchant: '  ' }],
    ['merchant', { merchant: 'x'.repeat(101) }],
    ['apiKey', { apiKey: '' }],
    ['apiUrl', { apiUrl: 'ftp://files.example' }],
    ['apiUrl', { apiUrl: 'not a url' }],
    ['apiUrl', { apiUrl: 'https://api.example/?a=1' }],
    ['apiUrl', { apiUrl: 'javascript:alert(1)' }],
    ['lifetime', { lifetime: '299' }],
    ['lifetime', { lifetime: '43201' }],
    ['lifetime', { lifetime: '600.5' }],
    ['lifetime', { lifetime: '1e3' }],
    ['lifetime', { lifetime: 'soon' }],
  ])('%s refused: %j', (field, patch) => {
    const r = cryptomus.parseSettings({ ...good, ...patch }, null);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.message.length).toBeGreaterThan(5);
    }
  });

  it('fields: merchant and apiKey required, only apiKey secret', () => {
    expect(cryptomus.kind).toBe('cryptomus');
    expect(cryptomus.label).toBe('Cryptomus (crypto)');
    expect(cryptomus.automatic).toBe(true);
    expect(cryptomus.fields.map((f) => [f.name, f.secret, f.required])).toEqual([
      ['merchant', false, true],
      ['apiKey', true, true],
      ['apiUrl', false, false],
      ['lifetime', false, false],
    ]);
  });

  it('an empty key on edit keeps the stored one; a new one replaces it', () => {
    const previous: MethodSettings = { config: { merchant: MERCHANT }, secrets: { apiKey: 'stored-key' } };
    const kept = cryptomus.parseSettings({ ...good, apiKey: '' }, previous);
    expect(kept.ok && kept.settings.secrets.apiKey).toBe('stored-key');
    const replaced = cryptomus.parseSettings({ ...good, apiKey: 'new-key' }, previous);
    expect(replaced.ok && replaced.settings.secrets.apiKey).toBe('new-key');
    const noStored = cryptomus.parseSettings({ ...good, apiKey: '' }, { config: {}, secrets: {} });
    expect(noStored.ok === false && noStored.field).toBe('apiKey');
  });
});

/** A server that answers what the test sets (or never answers), for answers the fake never gives. */
async function startScripted(): Promise<{
  url: string;
  reply: { status: number; body: string } | 'hang';
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const state = {
    url: '',
    reply: { status: 200, body: '{}' } as { status: number; body: string } | 'hang',
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = state.reply;
      if (r === 'hang') return;
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

describe('Cryptomus: create and queryStatus against a fake Cryptomus', () => {
  let fake: FakeCryptomus;
  let panel: Server;
  let panelUrl = '';
  const received: { raw: string; outcome: CallbackOutcome }[] = [];

  beforeAll(async () => {
    fake = await startFakeCryptomus({ merchant: MERCHANT, apiKey: API_KEY });
    // The panel's side of callbacks: a real server that checks each with the module.
    panel = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const outcome = cryptomus.verifyCallback(
          { rawBody: raw, headers: { 'content-type': req.headers['content-type'] } },
          settingsFor(fake.url),
        );
        received.push({ raw, outcome });
        res.writeHead(outcome.kind === 'update' ? 200 : 400, { 'content-type': 'text/plain' });
        res.end(outcome.kind);
      });
    });
    panel.listen(0, '127.0.0.1');
    await once(panel, 'listening');
    panelUrl = `http://127.0.0.1:${(panel.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise<void>((r) => panel.close(() => r()));
  });
  beforeEach(() => {
    fake.down(false);
    received.length = 0;
  });

  let nextId = 100;
  function input(over: Partial<Parameters<typeof cryptomus.create>[0]> = {}) {
    return {
      ...settingsFor(fake.url),
      paymentId: nextId++,
      amountUnits: u('12.50'),
      currency: 'USD',
      callbackUrl: `${panelUrl}/payments/callback/cryptomus`,
      returnUrl: `${panelUrl}/funds?back=1`,
      timeoutMs: 5000,
      ...over,
    };
  }

  it('creates an invoice with the documented request, signed', async () => {
    const before = Date.now();
    const inp = input({ paymentId: 42 });
    const out = await cryptomus.create(inp);
    expect(out.kind).toBe('invoice');
    if (out.kind !== 'invoice') return;
    const inv = fake.invoices.get(out.gatewayRef);
    expect(inv).toBeDefined();
    expect(out.payUrl).toBe(`${fake.url}/pay/${out.gatewayRef}`);
    expect(out.expiresAt).toBe(inv!.expiredAt * 1000);
    expect(out.expiresAt!).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000);
    expect(out.expiresAt!).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(JSON.parse(out.raw).result.uuid).toBe(out.gatewayRef);
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/payment');
    expect(req.merchant).toBe(MERCHANT);
    expect(req.sign).toBe(signCryptomusText(req.raw, API_KEY));
    expect(req.body).toEqual({
      amount: '12.50',
      currency: 'USD',
      order_id: '42',
      url_callback: inp.callbackUrl,
      url_return: inp.returnUrl,
      url_success: inp.returnUrl,
      lifetime: 3600,
      is_payment_multiple: true,
    });
  });

  it('the same order again answers the same invoice', async () => {
    const a = await cryptomus.create(input({ paymentId: 500 }));
    const b = await cryptomus.create(input({ paymentId: 500 }));
    expect(a.kind === 'invoice' && b.kind === 'invoice' && a.gatewayRef === b.gatewayRef).toBe(true);
  });

  it('amounts are sent with 2 decimals; an amount that is not whole cents is never sent', async () => {
    await cryptomus.create(
      input({ amountUnits: u('1234567.05'), config: { ...settingsFor(fake.url).config, lifetime: '900' } }),
    );
    expect(fake.requests.at(-1)!.body).toMatchObject({ amount: '1234567.05', lifetime: 900 });
    // A stored lifetime that is not valid falls back to the default rather than sending null.
    await cryptomus.create(input({ config: { ...settingsFor(fake.url).config, lifetime: 'x' } }));
    expect(fake.requests.at(-1)!.body).toMatchObject({ amount: '12.50', lifetime: 3600 });
    const n = fake.requests.length;
    for (const amountUnits of [u('12.345'), 0n, -u('1')]) {
      const out = await cryptomus.create(input({ amountUnits }));
      expect(out.kind).toBe('refused');
    }
    expect(fake.requests.length).toBe(n);
  });

  it('a wrong key or merchant: refused with Cryptomus message', async () => {
    const wrongKey = await cryptomus.create(input({ secrets: { apiKey: 'wrong' } }));
    expect(wrongKey).toMatchObject({ kind: 'refused', message: 'Invalid Sign' });
    const wrongMerchant = await cryptomus.create(
      input({ config: { ...settingsFor(fake.url).config, merchant: 'someone-else' } }),
    );
    expect(wrongMerchant).toMatchObject({ kind: 'refused', message: 'Merchant not found' });
    if (wrongMerchant.kind === 'refused') expect(JSON.parse(wrongMerchant.raw).state).toBe(1);
  });

  it('a 422 with errors: refused, the errors in the message', async () => {
    const out = await cryptomus.create(input({ currency: '' }));
    expect(out.kind).toBe('refused');
    if (out.kind === 'refused') {
      expect(out.message).toContain('The given data was invalid.');
      expect(out.message).toContain('currency: The currency field is required.');
    }
  });

  it('server down (503, dropped connections), never answering, or nothing listening: unreachable', async () => {
    fake.down(true, '503');
    expect((await cryptomus.create(input())).kind).toBe('unreachable');
    fake.down(true, 'destroy');
    expect((await cryptomus.create(input())).kind).toBe('unreachable');
    fake.down(true, 'hang');
    const started = Date.now();
    const hung = await cryptomus.create(input({ timeoutMs: 300 }));
    expect(hung.kind).toBe('unreachable');
    if (hung.kind === 'unreachable') expect(hung.message).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    fake.down(false);
    const refused = await cryptomus.create(
      input({ config: { ...settingsFor('http://127.0.0.1:1').config } }),
    );
    expect(refused.kind).toBe('unreachable');
  });

  it('garbage answers: unreachable; a pay URL that is not http(s): unreachable', async () => {
    const s = await startScripted();
    try {
      const at = { config: { ...settingsFor(s.url).config } };
      const cases: { status: number; body: string }[] = [
        { status: 200, body: '<html>hello</html>' },
        { status: 200, body: '{"state":0}' },
        { status: 200, body: '{"state":0,"result":{"uuid":"x","url":"javascript:alert(1)","expired_at":1}}' },
        { status: 200, body: '{"state":0,"result":{"url":"https://pay.example/x"}}' },
        { status: 502, body: '{"state":1,"message":"bad gateway"}' },
        { status: 200, body: '[]' },
      ];
      for (const c of cases) {
        s.reply = c;
        const out = await cryptomus.create(input(at));
        expect({ c, kind: out.kind }).toEqual({ c, kind: 'unreachable' });
      }
      s.reply = { status: 200, body: '{"state":1,"message":"Merchant is blocked"}' };
      expect(await cryptomus.create(input(at))).toMatchObject({
        kind: 'refused',
        message: 'Merchant is blocked',
      });
      const q = { ...settingsFor(s.url), timeoutMs: 2000 };
      const ref = { gatewayRef: 'a3bd5b8e-64f7-4c0c-8f8b-bd4c8e6bd7a1', paymentId: 42 };
      s.reply = { status: 404, body: '{"state":1,"message":"No such thing"}' };
      expect((await cryptomus.queryStatus(ref, q)).kind).toBe('unknown');
      s.reply = { status: 200, body: '{"state":1,"message":"payment not found"}' };
      expect((await cryptomus.queryStatus(ref, q)).kind).toBe('unknown');
      s.reply = { status: 404, body: 'Not Found' };
      expect((await cryptomus.queryStatus(ref, q)).kind).toBe('unreachable');
      const other = { ...callbackBody({ uuid: 'another' }), type: undefined };
      s.reply = { status: 200, body: JSON.stringify({ state: 0, result: other }) };
      expect((await cryptomus.queryStatus(ref, q)).kind).toBe('unreachable');
      s.reply = { status: 200, body: JSON.stringify({ state: 0, result: callbackBody({ status: 'paid' }) }) };
      expect(await cryptomus.queryStatus(ref, q)).toMatchObject({
        kind: 'update',
        update: { outcome: 'paid' },
      });
      const infoOnly = { ...callbackBody({}), type: undefined, status: undefined, payment_status: 'cancel' };
      s.reply = { status: 200, body: JSON.stringify({ state: 0, result: infoOnly }) };
      expect(await cryptomus.queryStatus(ref, q)).toMatchObject({
        kind: 'update',
        update: { status: 'cancel', outcome: 'expired' },
      });
      s.reply = 'hang';
      const t = await cryptomus.queryStatus(
        { gatewayRef: 'x', paymentId: 1 },
        { ...settingsFor(s.url), timeoutMs: 200 },
      );
      expect(t.kind).toBe('unreachable');
    } finally {
      await s.close();
    }
  });

  it('queryStatus follows setStatus; an unknown uuid is unknown', async () => {
    const out = await cryptomus.create(input({ paymentId: 77, amountUnits: u('10') }));
    if (out.kind !== 'invoice') throw new Error(out.kind);
    const settings = { ...settingsFor(fake.url), timeoutMs: 5000 };
    const ref = { gatewayRef: out.gatewayRef, paymentId: 77 };

    const first = await cryptomus.queryStatus(ref, settings);
    expect(first).toMatchObject({
      kind: 'update',
      update: {
        gatewayRef: out.gatewayRef,
        paymentId: 77,
        status: 'check',
        outcome: 'waiting',
        receivedUnits: null,
      },
    });
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/payment/info');
    expect(req.body).toEqual({ uuid: out.gatewayRef });
    expect(req.sign).toBe(signCryptomusText(req.raw, API_KEY));

    fake.setStatus(out.gatewayRef, {
      status: 'wrong_amount',
      paymentAmount: '10.4',
      payerAmount: '10.5',
      payerCurrency: 'USDT',
    });
    const under = await cryptomus.queryStatus(ref, settings);
    expect(under.kind).toBe('update');
    if (under.kind === 'update') {
      expect(under.update).toEqual({
        gatewayRef: out.gatewayRef,
        paymentId: 77,
        status: 'wrong_amount',
        outcome: 'underpaid',
        amountUnits: u('10'),
        currency: 'USD',
        receivedUnits: u('9.90'),
      });
      expect(JSON.parse(under.raw).result.is_final).toBe(true);
    }

    const unknown = await cryptomus.queryStatus(
      { gatewayRef: '00000000-0000-4000-8000-000000000000', paymentId: 77 },
      settings,
    );
    expect(unknown.kind).toBe('unknown');
  });

  it('queryStatus: wrong key or server down is unreachable, never unknown', async () => {
    const out = await cryptomus.create(input());
    if (out.kind !== 'invoice') throw new Error(out.kind);
    const ref = { gatewayRef: out.gatewayRef, paymentId: 1 };
    const wrong = await cryptomus.queryStatus(ref, { ...settingsFor(fake.url, 'wrong'), timeoutMs: 5000 });
    expect(wrong.kind).toBe('unreachable');
    fake.down(true);
    const down = await cryptomus.queryStatus(ref, { ...settingsFor(fake.url), timeoutMs: 5000 });
    expect(down.kind).toBe('unreachable');
  });

  it("the fake's callbacks reach the panel signed PHP-style: valid, forged, missing, overridden", async () => {
    const out = await cryptomus.create(input({ paymentId: 88, amountUnits: u('10') }));
    if (out.kind !== 'invoice') throw new Error(out.kind);
    fake.setStatus(out.gatewayRef, {
      status: 'paid_over',
      paymentAmount: '12.345',
      payerAmount: '10',
      payerCurrency: 'USDT',
    });

    expect(await fake.callback(out.gatewayRef)).toEqual({ status: 200, body: 'update' });
    const got = received.at(-1)!;
    expect(got.raw).toMatch(/,"sign":"[0-9a-f]{32}"}$/);
    expect(got.outcome).toEqual({
      kind: 'update',
      update: {
        gatewayRef: out.gatewayRef,
        paymentId: 88,
        status: 'paid_over',
        outcome: 'paid',
        amountUnits: u('10'),
        currency: 'USD',
        receivedUnits: u('12.34'),
      },
    });

    expect(await fake.callback(out.gatewayRef, { sign: 'forged' })).toEqual({
      status: 400,
      body: 'bad_signature',
    });
    expect(await fake.callback(out.gatewayRef, { sign: 'missing' })).toEqual({
      status: 400,
      body: 'bad_signature',
    });
    const odd = await fake.callback(out.gatewayRef, { override: { additional_data: 'ключ/значение ✓' } });
    expect(odd).toEqual({ status: 200, body: 'update' });
    expect(received.at(-1)!.raw).toContain('"additional_data":"\\u043a\\u043b\\u044e\\u0447\\/');
  });

  it('the pay page pays in full, sends the callback, and sends the customer to url_success', async () => {
    const out = await cryptomus.create(input({ paymentId: 99, amountUnits: u('25') }));
    if (out.kind !== 'invoice') throw new Error(out.kind);
    const page = await fetch(out.payUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('>Pay</button>');

    const res = await fetch(out.payUrl, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${panelUrl}/funds?back=1`);
    expect(fake.invoices.get(out.gatewayRef)!.status).toBe('paid');
    const cb = received.at(-1)!;
    expect(cb.outcome).toMatchObject({
      kind: 'update',
      update: { paymentId: 99, outcome: 'paid', receivedUnits: u('25') },
    });
  });
});
