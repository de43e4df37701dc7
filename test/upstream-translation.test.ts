/**
 * The translation layer for upstream panels (src/providers/upstream/), as tables: every answer shape
 * the engine knows, real panels' variants included (SmartPanel 4's answers byte for byte), the status
 * mapping of every status, the classification of refusals and send outcomes, and type names.
 * Pure functions only: no database, no network.
 */
import { describe, expect, it } from 'vitest';
import type { Order } from '../src/orders/orders.repo.js';
import {
  addAnswer,
  balanceAnswer,
  cancelAnswer,
  orderStatusAnswer,
  parseAnswer,
  refillAnswer,
  refillStatusAnswer,
  refusal,
  serviceAnswer,
  servicesAnswer,
  statusMultiAnswer,
  UPSTREAM_STATUSES,
} from '../src/providers/upstream/answers.js';
import { classifyAddOutcome, classifyRefusal } from '../src/providers/upstream/classify.js';
import type { CallOutcome } from '../src/providers/upstream/client.js';
import { answerText } from '../src/providers/upstream/client.js';
import { normaliseServiceType } from '../src/providers/upstream/service-types.js';
import {
  dripfeedRunsToAsk,
  mapRefillStatus,
  mapUpstream,
  settleDripfeedFromRuns,
} from '../src/providers/upstream/status-map.js';

/** SmartPanel 4's answers, byte for byte. */
const SMARTPANEL = {
  cancelRefused: '{"error": "This action is Invalid"}',
  statusError: '{"status":"error","message":"Not enough funds on balance"}',
  dripfeedPartial: '{"status":"Partial","runs":"2","orders":[]}',
  addPretty: '\n{\n    "order": 123\n}',
};

const ok = (body: unknown): CallOutcome => ({ kind: 'ok', body });
const fromText = (text: string): CallOutcome => ok(JSON.parse(answerText(text)));

function order(over: Partial<Order> = {}): Order {
  return {
    id: 1,
    userId: 1,
    serviceId: 1,
    type: 'Default',
    link: 'https://x.test/p',
    quantity: 1000n,
    runs: null,
    intervalMinutes: null,
    params: null,
    rateUnits: 10_000_000n,
    chargeUnits: 10_000_000n,
    refundedUnits: 0n,
    status: 'processing',
    remains: 1000n,
    startCount: null,
    cancelRequestedAt: null,
    createdAt: 0,
    updatedAt: 0,
    finishedAt: null,
    dispatchState: 'sent',
    providerId: 1,
    providerChargeUnits: null,
    providerOrderId: '555',
    parentOrderId: null,
    runIndex: null,
    lastError: null,
    cancelState: null,
    dispatchAttempts: 1,
    deliveredPosts: null,
    reserveUnits: 0n,
    nextAttemptAt: null,
    ...over,
  };
}

describe('answers: every shape the engine reads, real panels variants included', () => {
  it.each([
    ['reference', '{"order": 23501}', { order: '23501' }],
    ['id as a string', '{"order": "23501"}', { order: '23501' }],
    ['wrapped with status success', '{"status":"success","order":123}', { order: '123' }],
    ['SmartPanel: pretty-printed after a newline (text/html)', SMARTPANEL.addPretty, { order: '123' }],
    ['with a BOM', '\uFEFF{"order":7}', { order: '7' }],
    ['reference refusal', '{"error":"Incorrect service ID"}', { error: 'Incorrect service ID' }],
    ['status error with message', SMARTPANEL.statusError, { error: 'Not enough funds on balance' }],
    [
      'status fail with message',
      '{"status":"fail","message":"Link is invalid"}',
      { error: 'Link is invalid' },
    ],
    ['status error with error', '{"status":"Error","error":"Bad link"}', { error: 'Bad link' }],
    ['status error without message', '{"status":"error"}', { error: 'the provider answered status "error"' }],
  ])('add: %s', (_name, text, expected) => {
    expect(parseAnswer(addAnswer, JSON.parse(answerText(text)))).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['order id 0', { order: 0 }],
    ['order id negative', { order: -1 }],
    ['an HTML string', '<html>'],
    ['a list', [{ order: 1 }]],
    ['null', null],
    ['empty object', {}],
    ['status success without order', { status: 'success' }],
  ])('add: %s is not an answer we know', (_name, body) => {
    expect(parseAnswer(addAnswer, body).ok).toBe(false);
  });

  it.each([
    [
      'reference',
      { charge: '0.27819', start_count: '3572', status: 'Partial', remains: '157', currency: 'USD' },
      { status: 'Partial', remains: 157n, start_count: 3572n, charge: '0.27819' },
    ],
    [
      'numbers as numbers',
      { status: 'In progress', remains: 10, start_count: 0 },
      { status: 'In progress', remains: 10n, start_count: 0n },
    ],
    [
      'lower case, snake case',
      { status: 'in_progress', remains: '1' },
      { status: 'In progress', remains: 1n },
    ],
    ['British spelling', { status: 'Cancelled' }, { status: 'Canceled' }],
    ['spaces around', { status: ' Completed ' }, { status: 'Completed' }],
    [
      'SmartPanel drip-feed without remains',
      JSON.parse(SMARTPANEL.dripfeedPartial),
      { status: 'Partial', runs: 2n, orders: [] },
    ],
    [
      'drip-feed with run orders',
      { status: 'Partial', runs: '2', orders: ['11', 12] },
      { status: 'Partial', runs: 2n, orders: ['11', '12'] },
    ],
    ['subscription', { status: 'Active', posts: '3' }, { status: 'Active', posts: 3n }],
    [
      'garbage start_count and charge are dropped',
      { status: 'Completed', start_count: 'abc', charge: -1 },
      { status: 'Completed', start_count: null, charge: null },
    ],
  ])('status entry: %s', (_name, body, expected) => {
    const r = orderStatusAnswer.safeParse(body);
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject(expected);
  });

  it.each([
    ['unknown status', { status: 'Exploded' }],
    ['no status', { remains: 1 }],
    ['an error in place of the entry', { error: 'Incorrect order ID' }],
    ['remains not a number', { status: 'Partial', remains: '1.5' }],
  ])('status entry: %s is unreadable', (_name, body) => {
    expect(orderStatusAnswer.safeParse(body).success).toBe(false);
  });

  it('status multi: an object by id; a refusal of the whole call; a list is not one', () => {
    expect(
      parseAnswer(statusMultiAnswer, { '1': { status: 'Pending' }, '2': { error: 'Incorrect order ID' } }),
    ).toEqual({
      ok: true,
      value: { entries: { '1': { status: 'Pending' }, '2': { error: 'Incorrect order ID' } } },
    });
    expect(parseAnswer(statusMultiAnswer, { error: 'Invalid API key' })).toEqual({
      ok: true,
      value: { error: 'Invalid API key' },
    });
    expect(parseAnswer(statusMultiAnswer, { status: 'error', message: 'Maintenance' })).toEqual({
      ok: true,
      value: { error: 'Maintenance' },
    });
    expect(parseAnswer(statusMultiAnswer, [1, 2]).ok).toBe(false);
    expect(parseAnswer(statusMultiAnswer, 'html').ok).toBe(false);
  });

  it.each([
    ['SmartPanel: top-level refusal', SMARTPANEL.cancelRefused, { error: 'This action is Invalid' }],
    [
      'reference list, one refused',
      '[{"order":9,"cancel":{"error":"Incorrect order ID"}},{"order":"2","cancel":"Your cancellation request has been received."}]',
      {
        items: [
          { order: '9', accepted: false, error: 'Incorrect order ID' },
          { order: '2', accepted: true },
        ],
      },
    ],
    [
      '1 and true',
      '[{"order":1,"cancel":1},{"order":2,"cancel":true}]',
      {
        items: [
          { order: '1', accepted: true },
          { order: '2', accepted: true },
        ],
      },
    ],
    [
      'status error form in an entry',
      '[{"order":3,"cancel":{"status":"error","message":"Too late"}}]',
      { items: [{ order: '3', accepted: false, error: 'Too late' }] },
    ],
    [
      'false / 0 are not acceptance',
      '[{"order":4,"cancel":false}]',
      { items: [{ order: '4', accepted: false, error: 'unexpected answer: false' }] },
    ],
    ['entries without an order are dropped', '[{"cancel":1},"x"]', { items: [] }],
  ])('cancel: %s', (_name, text, expected) => {
    expect(parseAnswer(cancelAnswer, JSON.parse(text))).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['reference', { refill: '1' }, { refill: '1' }],
    ['number', { refill: 1 }, { refill: '1' }],
    ['wrapped', { status: 'success', refill: 5 }, { refill: '5' }],
    [
      'refused',
      { error: 'Refill is disabled for this service' },
      { error: 'Refill is disabled for this service' },
    ],
    ['refused, status form', { status: 'error', message: 'Too early' }, { error: 'Too early' }],
  ])('refill: %s', (_name, body, expected) => {
    expect(parseAnswer(refillAnswer, body)).toEqual({ ok: true, value: expected });
  });

  it('refill_status: a list of {refill, status}; entries without an id are dropped; a refusal', () => {
    expect(
      parseAnswer(refillStatusAnswer, [
        { refill: 1, status: 'Completed' },
        { refill: '2', status: { error: 'Refill not found' } },
        { status: 'x' },
      ]),
    ).toEqual({
      ok: true,
      value: {
        items: [
          { refill: '1', status: 'Completed' },
          { refill: '2', status: { error: 'Refill not found' } },
        ],
      },
    });
    expect(parseAnswer(refillStatusAnswer, { error: 'Invalid API key' })).toEqual({
      ok: true,
      value: { error: 'Invalid API key' },
    });
  });

  it.each([
    ['reference', { balance: '100.84292', currency: 'USD' }, { balance: '100.84292', currency: 'USD' }],
    ['number', { balance: 12.5 }, { balance: '12.5' }],
    ['wrapped', { status: 'success', balance: '3', currency: 'EUR' }, { balance: '3', currency: 'EUR' }],
  ])('balance: %s', (_name, body, expected) => {
    expect(parseAnswer(balanceAnswer, body)).toEqual({ ok: true, value: expected });
  });

  it('balance: negative or text is not a balance', () => {
    expect(parseAnswer(balanceAnswer, { balance: '-1' }).ok).toBe(false);
    expect(parseAnswer(balanceAnswer, { balance: 'lots' }).ok).toBe(false);
  });

  it('services: a list, or wrapped in data/services; desc is read as the description; flags in any form', () => {
    const entry = {
      service: '1',
      name: 'Followers',
      type: 'default',
      category: 'Instagram',
      rate: '0.90',
      min: '50',
      max: 10000,
      dripfeed: '1',
      refill: true,
      cancel: 0,
      desc: 'Real followers',
    };
    for (const body of [[entry], { data: [entry] }, { services: [entry] }]) {
      const list = servicesAnswer.parse(body);
      expect('list' in list && list.list).toEqual([entry]);
    }
    expect(serviceAnswer.parse(entry)).toEqual({
      service: '1',
      name: 'Followers',
      type: 'default',
      category: 'Instagram',
      rate: '0.90',
      min: 50n,
      max: 10000n,
      dripfeed: true,
      refill: true,
      cancel: false,
      description: 'Real followers',
    });
    expect(serviceAnswer.parse({ ...entry, description: 'ours' }).description).toBe('ours');
    expect(servicesAnswer.parse({ error: 'Invalid API key' })).toEqual({ error: 'Invalid API key' });
  });

  it('refusal: only error strings and error/fail statuses are refusals', () => {
    expect(refusal.safeParse({ error: '' }).success).toBe(false);
    expect(refusal.safeParse({ status: 'success', message: 'ok' }).success).toBe(false);
    expect(refusal.safeParse({ status: 'Completed' }).success).toBe(false);
  });

  it('answer text: BOM and whitespace removed; empty stays empty', () => {
    expect(answerText('\uFEFF\n {"a":1} \r\n')).toBe('{"a":1}');
    expect(answerText(Buffer.from(' \n'))).toBe('');
  });
});

describe('classifyAddOutcome: what a send produced', () => {
  it.each<[string, CallOutcome, ReturnType<typeof classifyAddOutcome>]>([
    ['accepted', ok({ order: 123 }), { kind: 'accepted', upstreamId: '123' }],
    ['accepted, wrapped', ok({ status: 'success', order: '9' }), { kind: 'accepted', upstreamId: '9' }],
    [
      'accepted, SmartPanel pretty text',
      fromText(SMARTPANEL.addPretty),
      { kind: 'accepted', upstreamId: '123' },
    ],
    [
      'refused: bad link',
      ok({ error: 'Incorrect link' }),
      { kind: 'refused_order', message: 'Incorrect link' },
    ],
    [
      'refused: target private',
      ok({ error: 'This account is private' }),
      { kind: 'refused_order', message: 'This account is private' },
    ],
    [
      'refused: funds (status error)',
      fromText(SMARTPANEL.statusError),
      { kind: 'refused_account', message: 'Not enough funds on balance' },
    ],
    [
      'refused: bad quantity (status fail)',
      ok({ status: 'fail', message: 'Quantity less than minimal 10' }),
      { kind: 'refused_order', message: 'Quantity less than minimal 10' },
    ],
    [
      'refused: key',
      ok({ error: 'Invalid API key' }),
      { kind: 'refused_account', message: 'Invalid API key' },
    ],
    [
      'not now',
      ok({ error: 'Too many requests' }),
      { kind: 'retry_later', message: 'Too many requests', neverLeft: false },
    ],
    [
      'not now (status error)',
      ok({ status: 'error', message: 'Service under maintenance' }),
      { kind: 'retry_later', message: 'Service under maintenance', neverLeft: false },
    ],
    [
      'connection refused',
      { kind: 'not_sent', error: 'connection failed: ECONNREFUSED' },
      { kind: 'retry_later', message: 'connection failed: ECONNREFUSED', neverLeft: true },
    ],
    [
      '404 page',
      { kind: 'http_refused', error: 'HTTP 404: Not Found' },
      { kind: 'refused_account', message: "the provider's URL answered HTTP 404: Not Found" },
    ],
    [
      'timeout',
      { kind: 'unknown', error: 'no answer within 1 ms' },
      { kind: 'unknown', error: 'no answer within 1 ms' },
    ],
    [
      'empty answer',
      { kind: 'empty', error: 'empty answer (HTTP 200)' },
      { kind: 'unknown', error: 'empty answer (HTTP 200)' },
    ],
    ['a shape we do not know', ok({ id: 5 }), { kind: 'unknown', error: 'unexpected answer: {"id":5}' }],
    ['a list', ok([1]), { kind: 'unknown', error: 'unexpected answer: [1]' }],
  ])('%s', (_name, out, expected) => {
    expect(classifyAddOutcome(out)).toEqual(expected);
  });
});

describe('classifyRefusal: account, temporary, about the order', () => {
  it.each<[string, ReturnType<typeof classifyRefusal>]>([
    ['Not enough funds on balance', 'account'],
    ['Invalid API key', 'account'],
    ['Your account is suspended', 'account'],
    ['User is banned', 'account'],
    ['Unauthorized', 'account'],
    ['This account is private', 'order'],
    ['Link is private', 'order'],
    ['Incorrect username', 'order'],
    ['Incorrect service ID', 'order'],
    ['Quantity less than minimal 10', 'order'],
    ['You have active order with this link. Please wait until order being completed.', 'order'],
    ['Too many requests', 'temporary'],
    ['Rate limit exceeded, retry later', 'temporary'],
    ['Internal error, please retry later', 'temporary'],
    ['Service temporarily unavailable', 'temporary'],
    ['Site under maintenance', 'temporary'],
    ['Server busy', 'temporary'],
  ])('%s -> %s', (message, kind) => {
    expect(classifyRefusal(message)).toBe(kind);
  });
});

describe('mapUpstream: every upstream status onto our change', () => {
  const o = order();
  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'Pending',
      { status: 'Pending' },
      { change: { status: 'processing', remains: undefined, startCount: undefined } },
    ],
    [
      'Processing',
      { status: 'Processing', start_count: '5' },
      { change: { status: 'processing', remains: undefined, startCount: 5n } },
    ],
    [
      'In progress',
      { status: 'In progress', remains: '400' },
      { change: { status: 'in_progress', remains: 400n, startCount: undefined } },
    ],
    [
      'Active',
      { status: 'Active' },
      { change: { status: 'in_progress', remains: undefined, startCount: undefined } },
    ],
    [
      'Paused',
      { status: 'Paused' },
      { change: { status: 'in_progress', remains: undefined, startCount: undefined } },
    ],
    [
      'Completed',
      { status: 'Completed', start_count: 1 },
      { change: { status: 'completed', startCount: 1n } },
    ],
    [
      'Partial',
      { status: 'Partial', remains: '157' },
      { change: { status: 'partial', remains: 157n, startCount: undefined } },
    ],
    ['Partial without remains', { status: 'Partial' }, { ignore: 'Partial without remains (missing)' }],
    ['Partial with remains 0', { status: 'Partial', remains: 0 }, { ignore: 'Partial without remains (0)' }],
    ['Canceled', { status: 'Canceled' }, { change: { status: 'canceled', startCount: undefined } }],
    ['Refunded', { status: 'Refunded' }, { change: { status: 'canceled', startCount: undefined } }],
    ['Expired', { status: 'Expired' }, { change: { status: 'canceled', startCount: undefined } }],
    [
      'remains above the quantity',
      { status: 'In progress', remains: 1001 },
      { ignore: 'remains 1001 outside 0..1000' },
    ],
    ['remains below 0', { status: 'Partial', remains: -1 }, { ignore: 'remains -1 outside 0..1000' }],
    [
      'negative start count is dropped',
      { status: 'Completed', start_count: -4 },
      { change: { status: 'completed', startCount: undefined } },
    ],
  ])('%s', (_name, entry, expected) => {
    expect(mapUpstream(o, orderStatusAnswer.parse(entry))).toEqual(expected);
  });

  it('never backwards: In progress stays In progress when the upstream says Pending again', () => {
    expect(
      mapUpstream(order({ status: 'in_progress' }), orderStatusAnswer.parse({ status: 'Pending' })),
    ).toEqual({
      change: { status: 'in_progress', remains: undefined, startCount: undefined },
    });
  });

  it('every status the schema knows maps to a change or a reason', () => {
    for (const s of UPSTREAM_STATUSES) {
      const r = mapUpstream(o, orderStatusAnswer.parse({ status: s, remains: 10 }));
      expect('change' in r || 'ignore' in r).toBe(true);
    }
  });

  it('subscriptions count posts: Expired with some posts delivered is Partial, all delivered is Completed', () => {
    const sub = order({ type: 'Subscriptions', params: { posts: 10 }, quantity: 100n });
    expect(mapUpstream(sub, orderStatusAnswer.parse({ status: 'Expired', posts: 4 }))).toEqual({
      change: { status: 'partial', remains: 6n, startCount: undefined },
    });
    expect(mapUpstream(sub, orderStatusAnswer.parse({ status: 'Expired', posts: 12 }))).toEqual({
      change: { status: 'completed', startCount: undefined },
    });
    expect(mapUpstream(sub, orderStatusAnswer.parse({ status: 'Canceled' }))).toEqual({
      change: { status: 'canceled', startCount: undefined },
    });
  });
});

describe('drip-feed Partial without remains (SmartPanel): settled from its run orders, never guessed', () => {
  const drip = order({ runs: 3, intervalMinutes: 10, quantity: 100n, remains: 300n });
  const entry = (orders: unknown[]) => ({ status: 'Partial', runs: String(orders.length), orders });

  it('the byte-for-byte SmartPanel answer (no run listed) is ignored with a reason', () => {
    const st = orderStatusAnswer.parse(JSON.parse(SMARTPANEL.dripfeedPartial));
    const r = mapUpstream(drip, st);
    expect('ignore' in r && r.ignore).toMatch(/drip-feed Partial without remains/);
    expect(dripfeedRunsToAsk(drip, JSON.parse(SMARTPANEL.dripfeedPartial))).toBeNull();
    expect(settleDripfeedFromRuns(drip, JSON.parse(SMARTPANEL.dripfeedPartial), {})).toEqual({
      ignore: 'drip-feed Partial without remains and no run listed',
    });
  });

  it('runs listed: asked; not for entries with remains or orders that are not drip-feed', () => {
    expect(dripfeedRunsToAsk(drip, entry([11, 12]))).toEqual(['11', '12']);
    expect(dripfeedRunsToAsk(drip, { status: 'Partial', remains: 5, orders: [11] })).toBeNull();
    expect(dripfeedRunsToAsk(order(), entry([11]))).toBeNull();
    expect(dripfeedRunsToAsk(drip, { status: 'Completed', orders: [11] })).toBeNull();
  });

  it.each<[string, Record<string, unknown>, unknown[], unknown]>([
    [
      'two runs placed of three, one Completed, one Partial 40: 40 + 100 unplaced',
      { '11': { status: 'Completed' }, '12': { status: 'Partial', remains: '40' } },
      [11, 12],
      { remains: '140' },
    ],
    [
      'all three Completed',
      { '1': { status: 'Completed' }, '2': { status: 'Completed' }, '3': { status: 'Completed' } },
      [1, 2, 3],
      { remains: '0' },
    ],
    ['a canceled run counts whole', { '1': { status: 'Canceled' } }, [1], { remains: '300' }],
    [
      'a run still going: not ended',
      { '1': { status: 'In progress', remains: 5 } },
      [1],
      { ignore: 'drip-feed run 1 is In progress: not ended' },
    ],
    [
      'a run Partial without remains',
      { '1': { status: 'Partial' } },
      [1],
      { ignore: 'drip-feed run 1 is Partial without remains' },
    ],
    ['a run missing', {}, [1], { ignore: 'drip-feed run 1: unreadable status' }],
    [
      'a run with remains above its quantity',
      { '1': { status: 'Partial', remains: 101 } },
      [1],
      { ignore: 'drip-feed run 1: remains 101 outside 0..100' },
    ],
    [
      'more runs listed than asked',
      {},
      [1, 2, 3, 4],
      { ignore: 'drip-feed lists 4 runs, more than the 3 asked' },
    ],
  ])('%s', (_name, runs, listed, expected) => {
    const r = settleDripfeedFromRuns(drip, entry(listed), runs);
    if ('remains' in (expected as object)) {
      expect('entry' in r && r.entry.remains).toBe((expected as { remains: string }).remains);
    } else expect(r).toEqual(expected);
  });
});

describe('refill statuses', () => {
  it.each([
    ['Pending', 'pending'],
    ['In progress', 'in_progress'],
    ['in_progress', 'in_progress'],
    ['Processing', 'in_progress'],
    ['Completed', 'completed'],
    ['Rejected', 'rejected'],
    ['Error', 'rejected'],
    ['Canceled', 'canceled'],
    ['Cancelled', 'canceled'],
    ['Exploded', null],
    [{ error: 'Refill not found' }, null],
    [undefined, null],
  ])('%j -> %s', (text, expected) => {
    expect(mapRefillStatus(text)).toBe(expected);
  });
});

describe('service types: any spelling onto our 11 types', () => {
  it.each([
    ['Default', 'Default'],
    ['default', 'Default'],
    ['DEFAULT', 'Default'],
    ['custom_comments', 'Custom Comments'],
    ['Custom-Comments', 'Custom Comments'],
    ['custom_comments_package', 'Custom Comments'],
    ['mentions', 'Mentions'],
    ['mentions_with_hashtags', 'Mentions with Hashtags'],
    ['mentions_custom_list', 'Mentions Custom List'],
    ['mentions_hashtag', 'Mentions Hashtag'],
    ['mentions_user_followers', 'Mentions User Followers'],
    ['mentions_media_likers', 'Mentions Media Likers'],
    ['poll', 'Poll'],
    ['comment_replies', 'Comment Replies'],
    ['subscriptions', 'Subscriptions'],
    [' Mentions  with Hashtags ', 'Mentions with Hashtags'],
  ])('%s -> %s', (name, type) => {
    expect(normaliseServiceType(name)).toEqual({ type });
  });

  it.each(['package', 'comment_likes', 'Invites', ''])('%s stays unknown, with the reason', (name) => {
    expect(normaliseServiceType(name)).toEqual({ unknown: `unknown type "${name.trim()}"` });
  });
});
