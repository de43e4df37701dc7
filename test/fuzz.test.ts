/**
 * No input crashes the API: thousands of malformed requests (wrong types, huge and negative numbers,
 * unicode, arrays and objects where strings go, missing fields, invalid JSON, wrong content types,
 * bodies over the limit, random actions with random parameters, with a valid key and without) all get
 * HTTP 200 and a JSON body that is either {"error": <a known message>} or the success shape of the
 * action asked for. Afterwards the books still balance and no balance is negative.
 *
 * The generator is a seeded PRNG: a failure prints the seed and the request, and FUZZ_SEED=<seed>
 * replays the same run.
 */

import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { seededRandom } from '../src/dev/seeded-random.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { toUnits } from '../src/money.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb, type TestDb } from './helpers/db.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const REQUESTS_PER_DB = Number(process.env.FUZZ_REQUESTS ?? 3000);
const BODY_LIMIT = 1024 * 1024;

// ---- a small seeded PRNG (src/dev/seeded-random.ts) ---------------------------------------------------------------

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---- what a valid answer looks like ---------------------------------------------------------------

const REFILL_MESSAGE = 'Your refill request has been received, please wait.';
const CANCEL_MESSAGE = 'Your cancellation request has been received.';
const KNOWN_ERRORS: RegExp[] = [
  /^Invalid API key$/,
  /^Incorrect request$/,
  /^Incorrect service ID$/,
  /^Incorrect order ID$/,
  /^Refill not found$/,
  /^Missing parameter: [a-z_]+$/,
  /^Incorrect [a-z_]+$/,
  /^Quantity less than minimal \d+$/,
  /^Quantity more than maximal \d+$/,
  /^Drip-feed is not available for this service$/,
  /^Not enough funds on balance$/,
  /^Order cannot be refilled$/,
  /^Refill already requested for this order$/,
  /^Order cannot be canceled$/,
  /^Cancellation already requested for this order$/,
  /^Too many IDs \(maximum 100\)$/,
  /^Amount too large$/,
  /^Request too large$/,
];

const digits = z.string().regex(/^\d+$/);
const amount = z.string().regex(/^\d+\.\d{2,7}$/);
const currency = z.string().regex(/^[A-Z]{3}$/);
const errorBody = z.strictObject({ error: z.string().refine((m) => KNOWN_ERRORS.some((re) => re.test(m))) });
const statusBody = z.strictObject({
  charge: amount,
  start_count: digits,
  status: z.enum(['Pending', 'Processing', 'In progress', 'Completed', 'Partial', 'Canceled']),
  remains: digits,
  currency,
});
const refillStatus = z.enum(['Pending', 'In progress', 'Completed', 'Rejected', 'Canceled']);
const echoed = z.union([z.number().int().positive(), z.string()]);

const SUCCESS: Record<string, z.ZodType> = {
  balance: z.strictObject({ balance: amount, currency }),
  services: z.array(
    z.strictObject({
      service: z.number().int().positive(),
      name: z.string(),
      type: z.string(),
      category: z.string(),
      rate: z.string().regex(/^\d+(\.\d{1,4})?$/),
      min: digits,
      max: digits,
      dripfeed: z.boolean(),
      refill: z.boolean(),
      cancel: z.boolean(),
      description: z.string(),
      desc: z.string(),
    }),
  ),
  add: z.strictObject({ order: z.number().int().positive() }),
  status: z.union([
    statusBody,
    // Checked by hand: zod's record would rebuild the object and lose a "__proto__" key on the way.
    z.custom<Record<string, unknown>>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.keys(v).length > 0 &&
        Object.values(v).every((x) => statusBody.safeParse(x).success || errorBody.safeParse(x).success),
    ),
  ]),
  refill: z.union([
    z.strictObject({ order: digits, refill: digits, message: z.literal(REFILL_MESSAGE) }),
    z
      .array(
        z.union([
          z.strictObject({
            order: z.number().int().positive(),
            refill: z.number().int().positive(),
            message: z.literal(REFILL_MESSAGE),
          }),
          z.strictObject({ order: echoed, refill: errorBody, message: z.string() }),
        ]),
      )
      .min(1),
  ]),
  refill_status: z.union([
    z.strictObject({ refill: z.number().int().positive(), status: refillStatus }),
    z
      .array(
        z.union([
          z.strictObject({ refill: z.number().int().positive(), status: refillStatus }),
          z.strictObject({ refill: echoed, status: errorBody }),
        ]),
      )
      .min(1),
  ]),
  cancel: z
    .array(
      z.union([
        z.strictObject({ order: z.number().int().positive(), cancel: z.literal(CANCEL_MESSAGE) }),
        z.strictObject({ order: echoed, cancel: errorBody }),
      ]),
    )
    .min(1),
};
const ACTION_NAMES = Object.keys(SUCCESS);

// ---- generating requests ---------------------------------------------------------------------------

interface World {
  keys: string[];
  serviceIds: number[];
  orderIds: number[];
  refillIds: number[];
}

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

const PARAM_NAMES = [
  'service',
  'link',
  'quantity',
  'runs',
  'interval',
  'comments',
  'usernames',
  'hashtags',
  'hashtag',
  'username',
  'media',
  'question',
  'answers',
  'min',
  'max',
  'posts',
  'old_posts',
  'delay',
  'expiry',
  'order',
  'orders',
  'refill',
  'refills',
];

const JUNK_ACTIONS = [
  '',
  ' ',
  'ADD',
  ' add ',
  'add\u0000',
  'Balance',
  'services ',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'status;',
  'refill-status',
  'drop table users',
  '😀',
  'a'.repeat(300),
];

const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e3',
  '1e400',
  '+7',
  '0x10',
  '0b11',
  '007',
  ' 12 ',
  '\t12\n',
  '999999999999999',
  '9999999999999999',
  '99999999999999999999999999999',
  '-9223372036854775808',
  '9223372036854775807',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'true',
  '١٢٣',
  '１２',
  '²',
  '😀',
  '👨‍👩‍👧‍👦',
  '\u202eRTL',
  'e\u0301',
  '\ud800',
  '\udfff',
  '\u0000',
  'a\u0000b',
  '\u0007',
  '\r\n',
  '\n\n\n',
  'https://instagram.com/p/x',
  'http://',
  'https://',
  'javascript:alert(1)',
  'ftp://x.y/z',
  'data:text/html,x',
  'https://exa mple.com',
  'https://例え.jp/パス',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '%00',
  '%zz',
  '__proto__',
  'constructor',
  'toString',
  '{"a":1}',
  '[1,2]',
  '1,2,3',
  '1,,2',
  ',,,',
  '1, 2 ,3',
  '0,-1,abc',
  '1,1,1,1',
  'a\nb\nc',
  'a\r\nb\r\n\r\nc',
  '#tag\n#tag2',
  '31/12/2099',
  '29/02/2023',
  '29/02/2028',
  '01/01/1970',
  '1/1/2100',
  '2099-12-31',
  '5',
  '7',
  '60',
  '90',
];

function randomString(rng: Rng): string {
  const alphabet = [
    'a',
    'Z',
    '0',
    '9',
    ',',
    ' ',
    '\n',
    '\r',
    '&',
    '=',
    '%',
    '+',
    '?',
    '#',
    'é',
    '中',
    '😀',
    '\ud83d',
    '\u0000',
    '"',
    '\\',
    '<',
  ];
  let s = '';
  const n = rng.bool(0.05) ? rng.int(1000, 20000) : rng.int(0, 40);
  for (let i = 0; i < n; i++) s += rng.pick(alphabet);
  return s;
}

function idList(rng: Rng, pool: number[]): string {
  const n = rng.pick([1, 2, 5, 50, 100, 101, 150]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      rng.bool(0.7) && pool.length > 0
        ? String(rng.pick(pool))
        : rng.pick(['0', '-3', 'x', ' ', '1e2', '99999999', '__proto__', String(rng.int(1, 500))]),
    );
  }
  return out.join(rng.pick([',', ', ', ' ,']));
}

function plausible(rng: Rng, name: string, w: World): Value {
  switch (name) {
    case 'service':
      return String(rng.pick(w.serviceIds));
    case 'link':
      return rng.pick([
        'https://instagram.com/p/abc',
        'https://t.me/chan',
        'someuser',
        'http://x.test/a?b=c',
      ]);
    case 'quantity':
    case 'min':
    case 'max':
      return String(rng.pick([0, 1, 9, 10, 50, 100, 1000, 10000, 10001, 10 ** 12, 10 ** 13]));
    case 'runs':
      return String(rng.pick([0, 1, 2, 5, 1000, 1001]));
    case 'interval':
      return String(rng.pick([0, 1, 10, 43200, 43201]));
    case 'comments':
    case 'usernames':
    case 'hashtags':
    case 'answers':
      return Array.from({ length: rng.pick([1, 3, 10, 20]) }, (_, i) => `line${i}`).join(
        rng.pick(['\n', '\r\n', '\r']),
      );
    case 'posts':
      return String(rng.pick([1, 5, 10000, 10001]));
    case 'old_posts':
      return String(rng.pick([0, 5, 1000, 1001]));
    case 'delay':
      return String(rng.pick([0, 5, 7, 600, 601]));
    case 'expiry':
      return rng.pick(['31/12/2099', '01/01/2000', '30/02/2099']);
    case 'order':
      return String(rng.pick(w.orderIds.length ? w.orderIds : [1]));
    case 'orders':
      return idList(rng, w.orderIds);
    case 'refill':
      return String(rng.pick(w.refillIds.length ? w.refillIds : [1]));
    case 'refills':
      return idList(rng, w.refillIds);
    default:
      return 'value';
  }
}

function nasty(rng: Rng, w: World, depth = 0): Value {
  const r = rng.next();
  if (r < 0.45) return rng.pick(NASTY_STRINGS);
  if (r < 0.6) return randomString(rng);
  if (r < 0.7)
    return rng.pick([
      0,
      -1,
      1.5,
      1e308,
      -1e308,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      1e-7,
      10 ** 15,
      rng.int(1, 500),
    ]);
  if (r < 0.75) return rng.pick([true, false, null]);
  if (r < 0.8) return idList(rng, w.orderIds);
  if (depth > 2) return 'deep';
  if (r < 0.9) return Array.from({ length: rng.int(0, 3) }, () => nasty(rng, w, depth + 1));
  const obj: { [k: string]: Value } = {};
  for (let i = rng.int(0, 3); i > 0; i--)
    obj[rng.pick(['a', 'key', '0', '__proto__', 'x y'])] = nasty(rng, w, depth + 1);
  return obj;
}

interface Generated {
  inject: InjectOptions;
  /** The action the server will see, when the request carries it cleanly; else undefined. */
  action?: string;
  /** Whether the key sent is a valid one, when sent cleanly. */
  validKey?: boolean;
  /** A clean request whose action is not one of API v2's. */
  unknownAction?: boolean;
  tooLarge?: boolean;
}

function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Form encoding the way clients do it, including repeated keys and bracket names for non-scalars. */
function formEncode(rng: Rng, params: Record<string, Value>): string {
  const parts: string[] = [];
  // Percent-encoding of the UTF-8 bytes (lone surrogates become U+FFFD, as any client's encoder does),
  // or now and then the raw text, as sloppy clients send it.
  const enc = (s: string) => (rng.bool(0.1) ? s.replace(/[&=]/g, '') : percentEncode(s));
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      const name = rng.bool() ? k : `${k}[]`;
      for (const item of v)
        parts.push(`${enc(name)}=${enc(typeof item === 'object' ? JSON.stringify(item) : String(item))}`);
      if (v.length === 0) parts.push(`${enc(name)}=`);
    } else if (v !== null && typeof v === 'object') {
      for (const [sub, item] of Object.entries(v))
        parts.push(`${enc(`${k}[${sub}]`)}=${enc(JSON.stringify(item))}`);
    } else if (v === null) {
      parts.push(enc(k));
    } else {
      parts.push(`${enc(k)}=${enc(String(v))}`);
    }
  }
  if (rng.bool(0.05)) parts.push(rng.pick(['%zz', '&&', '=', '==x', '%', 'a=%E0%A4%A', '+=+']));
  return parts.join('&');
}

function generate(rng: Rng, w: World): Generated {
  const params: Record<string, Value> = {};
  let validKey: boolean | undefined;
  let action: string | undefined;
  let unknownAction = false;
  let clean = true;

  const keyRoll = rng.next();
  if (keyRoll < 0.8) {
    params.key = rng.pick(w.keys);
    validKey = true;
  } else if (keyRoll < 0.9) {
    params.key = rng.pick(['', 'x', 'A'.repeat(64), 'a'.repeat(201), '\u0000', `${w.keys[0]} `]);
    validKey = params.key === '' ? undefined : false;
    if (params.key === '') clean = false;
  } else if (keyRoll < 0.95) {
    params.key = nasty(rng, w);
    clean = false;
  } else {
    clean = false;
  }

  const actionRoll = rng.next();
  if (actionRoll < 0.85) {
    action = rng.bool(0.35) ? 'add' : rng.pick(ACTION_NAMES);
    params.action = action;
  } else if (actionRoll < 0.95) {
    const junk = rng.pick(JUNK_ACTIONS);
    params.action = junk;
    // ' add ' and 'services ' are real actions once trimmed, as the server trims.
    action = ACTION_NAMES.includes(junk.trim()) ? junk.trim() : undefined;
    unknownAction = action === undefined;
    if (junk.trim() === '') clean = false;
  } else {
    params.action = nasty(rng, w);
    clean = false;
  }

  for (let i = rng.int(0, 9); i > 0; i--) {
    const name = rng.bool(0.93)
      ? rng.pick(PARAM_NAMES)
      : rng.pick(['x', 'KEY', 'Action', 'k'.repeat(70), '', '__proto__', 'a[b]']);
    params[name] = rng.bool(0.55) ? plausible(rng, name, w) : nasty(rng, w);
  }
  if (action === 'add' && rng.bool(0.6)) {
    // Mostly-valid orders, so the money paths run too.
    if (rng.bool()) for (const name of PARAM_NAMES) delete params[name];
    params.service = String(rng.pick(w.serviceIds));
    params.link = plausible(rng, 'link', w);
    params.quantity = String(rng.pick([10, 100, 1000, 5000, 10 ** 12]));
    // The parameters of the other order types, so that each type gets through now and then.
    for (const name of [
      'comments',
      'usernames',
      'hashtags',
      'hashtag',
      'username',
      'media',
      'question',
      'answers',
      'min',
      'max',
      'posts',
      'delay',
    ]) {
      if (rng.bool(0.7))
        params[name] =
          name === 'min' || name === 'max'
            ? rng.pick(['10', '50', '100'])
            : name === 'delay'
              ? '0'
              : plausible(rng, name, w);
    }
  }

  const hasScalar = (v: Value | undefined) => typeof v === 'string';
  const keyClean = hasScalar(params.key);
  const actionClean = hasScalar(params.action) && (params.action as string).trim() !== '';

  const url = rng.pick(['/api/v2', '/api/v2/', '/api/v2?', '/api/v2?x=1']);
  const transport = rng.next();

  if (transport < 0.004) {
    // Over the body limit: refused whole.
    const filler = 'x'.repeat(BODY_LIMIT + rng.int(1, 5000));
    const kind = rng.pick(['form', 'json', 'text'] as const);
    const payload =
      kind === 'json'
        ? JSON.stringify({ key: w.keys[0], action: 'balance', filler })
        : `key=${w.keys[0]}&action=balance&filler=${filler}`;
    const contentType =
      kind === 'json'
        ? 'application/json'
        : kind === 'form'
          ? 'application/x-www-form-urlencoded'
          : 'text/plain';
    return {
      inject: { method: 'POST', url: '/api/v2', headers: { 'content-type': contentType }, payload },
      tooLarge: true,
    };
  }
  if (transport < 0.35) {
    const body = formEncode(rng, params);
    const ct = rng.bool(0.9)
      ? 'application/x-www-form-urlencoded'
      : rng.pick([
          'application/x-www-form-urlencoded; charset=UTF-8',
          'application/x-www-form-urlencoded; charset=utf-16',
          'APPLICATION/X-WWW-FORM-URLENCODED',
        ]);
    const ok =
      clean &&
      keyClean &&
      actionClean &&
      ct === 'application/x-www-form-urlencoded' &&
      !/%(?![0-9A-Fa-f]{2})/.test(body);
    return {
      inject: { method: 'POST', url, headers: { 'content-type': ct }, payload: body },
      ...(ok ? { action, validKey, unknownAction } : {}),
    };
  }
  if (transport < 0.6) {
    let payload = JSON.stringify(params);
    let ok = clean && keyClean && actionClean;
    const m = rng.next();
    if (m < 0.1) {
      payload = rng.pick([
        payload.slice(0, rng.int(0, payload.length - 1)),
        `\ufeff${payload}`,
        '[1,2,3]',
        'null',
        '"just a string"',
        '123',
        'true',
        '',
        '{',
        '{"key": }',
        `{"key": "${w.keys[0]}", "key": ["dup"], "action": "balance"}`,
        '{"__proto__": {"key": "x"}, "action": "balance"}',
        '{"constructor": {"prototype": {"x": 1}}, "action": "balance"}',
        `${'['.repeat(rng.pick([100, 5000, 50000]))}`,
        `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
      ]);
      ok = false;
    }
    const ct = rng.bool(0.9)
      ? 'application/json'
      : rng.pick([
          'application/json; charset=utf-8',
          'application/json; charset=latin1',
          'text/json',
          'application/vnd.api+json',
        ]);
    if (ct !== 'application/json') ok = false;
    return {
      inject: { method: 'POST', url: '/api/v2', headers: { 'content-type': ct }, payload },
      ...(ok ? { action, validKey, unknownAction } : {}),
    };
  }
  if (transport < 0.8) {
    const qs = formEncode(rng, params);
    // A URL's parser strips trailing control characters and spaces: a raw one changes what arrives.
    const ok = clean && keyClean && actionClean && !/%(?![0-9A-Fa-f]{2})|[\u0000-\u0020]/.test(qs);
    return {
      inject: { method: 'GET', url: `/api/v2?${qs}` },
      ...(ok ? { action, validKey, unknownAction } : {}),
    };
  }
  // Wrong or missing content types, binary bodies, and a query string with a body.
  const bodies = [
    () => formEncode(rng, params),
    () => JSON.stringify(params),
    () => Buffer.from(Array.from({ length: rng.int(0, 2000) }, () => rng.int(0, 255))),
    () => '',
    () => `--x\r\nContent-Disposition: form-data; name="key"\r\n\r\n${w.keys[0]}\r\n--x--\r\n`,
    () => `<xml><key>${w.keys[0]}</key></xml>`,
  ];
  const ct = rng.pick([
    'text/plain',
    'application/octet-stream',
    'multipart/form-data; boundary=x',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; foo="; boundary=x"',
    'Multipart/Form-Data; charset=utf-8',
    'application/xml',
    'garbage',
    '',
    ';;;',
    'application/json, text/plain',
    'text/html; charset=utf-8',
    undefined,
  ]);
  const headers: Record<string, string> = {};
  if (ct !== undefined) headers['content-type'] = ct;
  if (rng.bool(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'identity']);
  const method = rng.pick(['POST', 'POST', 'GET'] as const);
  const query = rng.bool(0.3)
    ? `?${formEncode(rng, { key: rng.pick(w.keys), action: rng.pick(ACTION_NAMES) })}`
    : '';
  const payload = rng.pick(bodies)();
  return {
    inject:
      method === 'GET'
        ? { method, url: `/api/v2${query}`, headers }
        : { method, url: `/api/v2${query}`, headers, payload },
  };
}

// ---- the run ------------------------------------------------------------------------------------------

function describeFailure(
  g: Generated,
  res: { statusCode: number; body: string },
  why: string,
  index: number,
): string {
  const payload = g.inject.payload;
  const shown =
    typeof payload === 'string'
      ? payload.slice(0, 500)
      : Buffer.isBuffer(payload)
        ? `<${payload.length} bytes>`
        : '';
  return `${why}\nseed=${SEED} (+1 on postgres) request #${index}: ${g.inject.method} ${String(g.inject.url).slice(0, 500)} headers=${JSON.stringify(g.inject.headers ?? {})}\npayload=${JSON.stringify(shown)}\nanswer ${res.statusCode}: ${res.body.slice(0, 500)}`;
}

function check(
  g: Generated,
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
): string | null {
  if (res.statusCode !== 200) return `HTTP ${res.statusCode}`;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json'))
    return `content-type ${String(res.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return 'body is not JSON';
  }
  if (body === null || typeof body !== 'object') return 'body is not an object or array';
  if (res.body.includes('Internal error')) return 'Internal error';
  if (g.tooLarge)
    return JSON.stringify(body) === '{"error":"Request too large"}' ? null : 'expected Request too large';
  const isError = !Array.isArray(body) && Object.hasOwn(body, 'error');
  if (isError) {
    if (!errorBody.safeParse(body).success) return 'error body is not {"error": <known message>}';
    const message = (body as { error: string }).error;
    if (g.validKey === false && message !== 'Invalid API key')
      return 'an invalid key must get "Invalid API key"';
    if (g.validKey === true && g.unknownAction && message !== 'Incorrect request')
      return 'an unknown action must get "Incorrect request"';
    return null;
  }
  if (g.validKey === false) return 'an invalid key got a success answer';
  if (g.unknownAction) return 'an unknown action got a success answer';
  if (g.action !== undefined) {
    const parsed = SUCCESS[g.action]!.safeParse(body);
    return parsed.success
      ? null
      : `not the success shape of ${g.action}: ${parsed.error.message.slice(0, 300)}`;
  }
  return Object.values(SUCCESS).some((s) => s.safeParse(body).success) ? null : 'matches no success shape';
}

describeEachDb('no input crashes the API', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  async function seedWorld(t: TestDb): Promise<{ world: World; userIds: number[] }> {
    const db = t.db.db;
    const a = await seedUser(db, '1000000000');
    const b = await seedUser(db, '50');
    const c = await seedUser(db, '0');
    const serviceIds = [
      await seedService(db, { rate: '1.25', min: 10, max: 10000, refill: true, cancel: true }),
      await seedService(db, { rate: '0', min: 1, max: 1000 }),
      await seedService(db, { rate: '0.0001', min: 10, max: 10 ** 12, dripfeed: true, refill: true }),
      await seedService(db, { rate: '10000', min: 10, max: 10 ** 12, cancel: true }),
      await seedService(db, { type: 'Custom Comments', rate: '3', min: 1, max: 100, refill: true }),
      await seedService(db, { type: 'Comment Replies', rate: '2.5', min: 1, max: 100 }),
      await seedService(db, { type: 'Mentions', rate: '1', min: 10, max: 10000 }),
      await seedService(db, { type: 'Mentions with Hashtags', rate: '1', min: 10, max: 10000 }),
      await seedService(db, { type: 'Mentions Custom List', rate: '1', min: 1, max: 100, cancel: true }),
      await seedService(db, { type: 'Mentions Hashtag', rate: '1', min: 10, max: 10000 }),
      await seedService(db, { type: 'Mentions User Followers', rate: '1', min: 10, max: 10000 }),
      await seedService(db, { type: 'Mentions Media Likers', rate: '1', min: 10, max: 10000 }),
      await seedService(db, { type: 'Poll', rate: '0.5', min: 10, max: 10000 }),
      await seedService(db, { type: 'Subscriptions', rate: '2', min: 10, max: 10000 }),
      await seedService(db, { rate: '1', min: 10, max: 10000, name: 'Disabled later' }),
    ];
    await db
      .updateTable('services')
      .set({ enabled: 0 })
      .where('id', '=', serviceIds[serviceIds.length - 1]!)
      .execute();
    return {
      world: {
        keys: [a.apiKey, b.apiKey, c.apiKey],
        serviceIds: [...serviceIds, 999999],
        orderIds: [],
        refillIds: [],
      },
      userIds: [a.id, b.id, c.id],
    };
  }

  it(`${REQUESTS_PER_DB} malformed requests: every answer is HTTP 200 JSON, an error or a valid shape; books balance`, async () => {
    const t = ctx();
    const { world, userIds } = await seedWorld(t);
    const rng = new Rng(SEED + (t.dialect === 'postgres' ? 1 : 0));
    const failures: string[] = [];
    let errors = 0;
    let successes = 0;
    let tooLarge = 0;
    const started = Date.now();
    const addAnswers = new Map<string, number>();

    for (let i = 0; i < REQUESTS_PER_DB; i += 8) {
      const batch = Array.from({ length: Math.min(8, REQUESTS_PER_DB - i) }, () => generate(rng, world));
      const answers = await Promise.all(batch.map((g) => app.inject(g.inject)));
      answers.forEach((res, j) => {
        const g = batch[j]!;
        const why = check(g, res);
        if (why) failures.push(describeFailure(g, res, why, i + j));
        else if (g.tooLarge) tooLarge++;
        else if (res.body.startsWith('{"error"')) errors++;
        else successes++;
        if (process.env.FUZZ_VERBOSE && g.action === 'add')
          addAnswers.set(res.body.slice(0, 60), (addAnswers.get(res.body.slice(0, 60)) ?? 0) + 1);
        if (res.statusCode === 200) {
          const m = /^\{"order":(\d+)\}$/.exec(res.body);
          if (m) world.orderIds.push(Number(m[1]));
        }
        if (res.statusCode === 200 && res.body.includes(REFILL_MESSAGE)) {
          for (const m of res.body.matchAll(/"refill":"?(\d+)"?/g)) world.refillIds.push(Number(m[1]));
        }
      });
      if (failures.length >= 5) break;
      // The operator settles some orders now and then, so refills and cancels meet finished orders.
      if (i % 200 === 0 && world.orderIds.length > 0) {
        for (let k = 0; k < 5; k++) {
          const orderId = rng.pick(world.orderIds);
          const status = rng.pick(['completed', 'canceled', 'partial', 'in_progress'] as const);
          await changeOrderStatus({
            db: t.db.db,
            orderId,
            change: status === 'partial' ? { status, remains: 1n } : { status },
          });
        }
      }
    }

    expect(failures.slice(0, 5).join('\n\n')).toBe('');
    if (process.env.FUZZ_VERBOSE)
      console.log({
        dialect: t.dialect,
        successes,
        errors,
        tooLarge,
        orders: world.orderIds.length,
        refills: world.refillIds.length,
        addAnswers,
      });
    // The run reached deep enough to mean something.
    expect(successes).toBeGreaterThan(REQUESTS_PER_DB / 10);
    expect(errors).toBeGreaterThan(REQUESTS_PER_DB / 4);
    expect(world.orderIds.length).toBeGreaterThan(20);
    expect(Date.now() - started).toBeLessThan(40_000);

    expect((await checkLedger({ db: t.db.db })).problems).toEqual([]);
    const users = await t.db.db
      .selectFrom('users')
      .select(['id', 'balance_units'])
      .where('id', 'in', userIds)
      .execute();
    for (const u of users) expect(toUnits(u.balance_units) >= 0n).toBe(true);
    const negEntries = await t.db.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('balance_after_units', '<', 0)
      .executeTakeFirstOrThrow();
    expect(Number(negEntries.n)).toBe(0);
    expect(tooLarge).toBeGreaterThan(0);
  });

  it('bodies over the limit get {"error": "Request too large"} with HTTP 200, on every content type', async () => {
    const big = 'x'.repeat(BODY_LIMIT + 10);
    for (const [ct, payload] of [
      ['application/x-www-form-urlencoded', `key=k&action=balance&x=${big}`],
      ['application/json', JSON.stringify({ key: 'k', action: 'balance', x: big })],
      ['text/plain', `key=k&action=balance&x=${big}`],
      ['application/octet-stream', big],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: { 'content-type': ct },
        payload,
      });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ error: 'Request too large' });
    }
  });

  it('a multipart body without a usable boundary is bad input ("Incorrect request"), not an internal error', async () => {
    for (const ct of [
      'multipart/form-data',
      'multipart/form-data; charset=utf-8',
      'multipart/form-data; foo="; boundary=x"',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: { 'content-type': ct },
        payload: 'key=x&action=balance',
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"error":"Incorrect request"}');
    }
  });

  it('answers per id keep every id the client sent, even names like __proto__', async () => {
    const t = ctx();
    const user = await seedUser(t.db.db, '1');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `key=${user.apiKey}&action=status&orders=__proto__,constructor,toString,7`,
    });
    const e = '{"error":"Incorrect order ID"}';
    expect(res.body).toBe(`{"7":${e},"__proto__":${e},"constructor":${e},"toString":${e}}`);
  });
});
