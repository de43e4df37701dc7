/**
 * API v2 `add` for each of the 11 order types, through every transport, on SQLite and Postgres: the
 * parameters each type takes and keeps, the quantity it charges (lines for list types, quantity × runs
 * for drip-feed, posts × max for subscriptions), each type's missing-parameter errors, and proof that a
 * refused order leaves no trace.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceType } from '../src/catalog/service-types.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { formatAmount, parseAmount } from '../src/money.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { callApi, makeApi, seedService, seedUser, type Transport } from './helpers/api.js';
import { footprint, moveOrder, orderOf } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';

const LINK = 'https://instagram.com/p/abc';
const TRANSPORTS: Transport[] = ['form', 'json', 'get'];

interface TypeCase {
  /** Short name for test titles. */
  label: string;
  title: string;
  type: ServiceType;
  service: { rate: string; min: number; max: number; dripfeed?: boolean };
  params: Record<string, string | number>;
  /** Parameters whose absence is answered "Missing parameter: <name>". */
  required: string[];
  /** Expected answers and stored values. */
  charge: string;
  /** Set aside at placement besides the charge (a subscription without posts: one post's price). */
  reserve?: string;
  remains: string;
  stored: {
    link: string | null;
    quantity: number;
    runs: number | null;
    interval: number | null;
    params: Record<string, unknown> | null;
  };
}

function utcDate(offsetDays: number): { dmy: string; padded: string } {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  const [day, month, year] = [d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCFullYear()];
  return {
    dmy: `${day}/${month}/${year}`,
    padded: `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`,
  };
}

const CASES: TypeCase[] = [
  {
    label: 'Default',
    title: 'Default charges quantity × rate / 1000',
    type: 'Default',
    service: { rate: '0.73', min: 100, max: 10000 },
    params: { link: LINK, quantity: 1234 },
    required: ['link', 'quantity'],
    charge: '0.90082',
    remains: '1234',
    stored: { link: LINK, quantity: 1234, runs: null, interval: null, params: null },
  },
  {
    label: 'Default drip-feed',
    title: 'Default with drip-feed charges quantity × runs and keeps runs and interval',
    type: 'Default',
    service: { rate: '1.2345', min: 10, max: 1000, dripfeed: true },
    params: { link: LINK, quantity: 100, runs: 7, interval: 30 },
    required: ['link', 'quantity'],
    charge: '0.86415',
    remains: '700',
    stored: { link: LINK, quantity: 100, runs: 7, interval: 30, params: null },
  },
  {
    label: 'Custom Comments',
    title: 'Custom Comments charges one per non-empty line, split on \\r\\n and \\n',
    type: 'Custom Comments',
    service: { rate: '12', min: 1, max: 10 },
    params: { link: LINK, comments: 'Great post!\r\nLove it\n\n   \r\nWow 🔥\r\n' },
    required: ['link', 'comments'],
    charge: '0.036',
    remains: '3',
    stored: {
      link: LINK,
      quantity: 3,
      runs: null,
      interval: null,
      params: { comments: ['Great post!', 'Love it', 'Wow 🔥'] },
    },
  },
  {
    label: 'Comment Replies',
    title: 'Comment Replies charges one per non-empty line',
    type: 'Comment Replies',
    service: { rate: '7.5', min: 2, max: 5 },
    params: { link: LINK, comments: 'Agreed\nSame here\n' },
    required: ['link', 'comments'],
    charge: '0.015',
    remains: '2',
    stored: {
      link: LINK,
      quantity: 2,
      runs: null,
      interval: null,
      params: { comments: ['Agreed', 'Same here'] },
    },
  },
  {
    label: 'Mentions Custom List',
    title: 'Mentions Custom List charges one per username line',
    type: 'Mentions Custom List',
    service: { rate: '4.4444', min: 1, max: 100 },
    params: { link: LINK, usernames: 'alice\r\nbob\ncarol\r\n\r\ndave' },
    required: ['link', 'usernames'],
    charge: '0.0177776',
    remains: '4',
    stored: {
      link: LINK,
      quantity: 4,
      runs: null,
      interval: null,
      params: { usernames: ['alice', 'bob', 'carol', 'dave'] },
    },
  },
  {
    label: 'Mentions',
    title: 'Mentions charges quantity and keeps the usernames',
    type: 'Mentions',
    service: { rate: '0.9', min: 100, max: 5000 },
    params: { link: LINK, quantity: 500, usernames: 'alice\nbob' },
    required: ['link', 'quantity', 'usernames'],
    charge: '0.45',
    remains: '500',
    stored: {
      link: LINK,
      quantity: 500,
      runs: null,
      interval: null,
      params: { usernames: ['alice', 'bob'] },
    },
  },
  {
    label: 'Mentions with Hashtags',
    title: 'Mentions with Hashtags charges quantity and keeps usernames and hashtags',
    type: 'Mentions with Hashtags',
    service: { rate: '1.1', min: 100, max: 5000 },
    params: { link: LINK, quantity: 300, usernames: 'alice\r\nbob', hashtags: '#one\n#two\n#three' },
    required: ['link', 'quantity', 'usernames', 'hashtags'],
    charge: '0.33',
    remains: '300',
    stored: {
      link: LINK,
      quantity: 300,
      runs: null,
      interval: null,
      params: { usernames: ['alice', 'bob'], hashtags: ['#one', '#two', '#three'] },
    },
  },
  {
    label: 'Mentions Hashtag',
    title: 'Mentions Hashtag charges quantity and keeps the hashtag',
    type: 'Mentions Hashtag',
    service: { rate: '0.55', min: 10, max: 1000 },
    params: { link: LINK, quantity: 20, hashtag: '#travel' },
    required: ['link', 'quantity', 'hashtag'],
    charge: '0.011',
    remains: '20',
    stored: { link: LINK, quantity: 20, runs: null, interval: null, params: { hashtag: '#travel' } },
  },
  {
    label: 'Mentions User Followers',
    title: 'Mentions User Followers charges quantity and keeps the username',
    type: 'Mentions User Followers',
    service: { rate: '2', min: 10, max: 1000 },
    params: { link: LINK, quantity: 250, username: 'https://instagram.com/natgeo' },
    required: ['link', 'quantity', 'username'],
    charge: '0.50',
    remains: '250',
    stored: {
      link: LINK,
      quantity: 250,
      runs: null,
      interval: null,
      params: { username: 'https://instagram.com/natgeo' },
    },
  },
  {
    label: 'Mentions Media Likers',
    title: 'Mentions Media Likers charges quantity and keeps the media',
    type: 'Mentions Media Likers',
    service: { rate: '3.0001', min: 10, max: 1000 },
    params: { link: LINK, quantity: 100, media: 'https://instagram.com/p/xyz' },
    required: ['link', 'quantity', 'media'],
    charge: '0.30001',
    remains: '100',
    stored: {
      link: LINK,
      quantity: 100,
      runs: null,
      interval: null,
      params: { media: 'https://instagram.com/p/xyz' },
    },
  },
  {
    label: 'Poll',
    title: 'Poll charges quantity and keeps the question and answers',
    type: 'Poll',
    service: { rate: '0.2', min: 50, max: 10000 },
    params: { link: LINK, quantity: 1000, question: 'Best season?', answers: 'Summer\r\nWinter\nNone' },
    required: ['link', 'quantity', 'question', 'answers'],
    charge: '0.20',
    remains: '1000',
    stored: {
      link: LINK,
      quantity: 1000,
      runs: null,
      interval: null,
      params: { question: 'Best season?', answers: ['Summer', 'Winter', 'None'] },
    },
  },
  {
    label: 'Subscriptions with posts',
    title: 'Subscriptions with posts charges posts × max × rate / 1000 and keeps every parameter',
    type: 'Subscriptions',
    service: { rate: '2.5', min: 100, max: 1000 },
    params: { username: 'natgeo', min: 100, max: 150, posts: 4, old_posts: 2, delay: 30, expiry: '1/2/2099' },
    required: ['username', 'min', 'max'],
    charge: '1.50',
    remains: '4',
    stored: {
      link: null,
      quantity: 150,
      runs: null,
      interval: null,
      params: {
        username: 'natgeo',
        min: 100,
        max: 150,
        old_posts: 2,
        delay: 30,
        posts: 4,
        expiry: '01/02/2099',
      },
    },
  },
  {
    label: 'Subscriptions without posts',
    title:
      'Subscriptions without posts is placed with a charge of 0 and a reserve of one post (max × rate / 1000)',
    type: 'Subscriptions',
    service: { rate: '2.5', min: 100, max: 1000 },
    params: { username: 'natgeo', min: 200, max: 300, delay: 0 },
    required: ['username', 'min', 'max'],
    charge: '0.00',
    reserve: '0.75',
    remains: '0',
    stored: {
      link: null,
      quantity: 300,
      runs: null,
      interval: null,
      params: { username: 'natgeo', min: 200, max: 300, old_posts: 0, delay: 0 },
    },
  },
];

describeEachDb('API v2 order types', (ctx) => {
  let app: FastifyInstance;
  const db = () => ctx().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
  });
  afterAll(async () => {
    await app.close();
  });

  type Params = Record<string, string | number>;
  const add = (key: string, service: number | string, params: Params, transport: Transport = 'form') =>
    callApi(app, { key, action: 'add', service, ...params }, transport);

  /** Place an order that must be accepted; returns its id. */
  async function placeOk(key: string, service: number, params: Params, transport: Transport = 'form') {
    const r = await add(key, service, params, transport);
    expect(r.body).toStrictEqual({ order: expect.any(Number) });
    return r.body.order as number;
  }

  /** Place an order that must be refused with `error`, and prove that nothing changed. */
  async function refused(
    user: { id: number; apiKey: string },
    service: number | string,
    params: Params,
    error: string,
  ) {
    const before = await footprint(db(), user.id);
    const r = await add(user.apiKey, service, params);
    expect(r.statusCode).toBe(200);
    expect(r.body, JSON.stringify(params)).toStrictEqual({ error });
    expect(await footprint(db(), user.id)).toEqual(before);
  }

  const statusOf = async (key: string, order: number) =>
    (await callApi(app, { key, action: 'status', order })).body;

  describe('each type, over form, JSON and GET', () => {
    for (const c of CASES) {
      it(c.title, async () => {
        const svc = await seedService(db(), { type: c.type, name: c.type, ...c.service });
        const user = await seedUser(db(), '10');
        const chargeUnits = parseAmount(c.charge) ?? -1n;
        const reserveUnits = c.reserve === undefined ? 0n : (parseAmount(c.reserve) ?? -1n);
        for (const transport of TRANSPORTS) {
          const before = await footprint(db(), user.id);
          const order = await placeOk(user.apiKey, svc, c.params, transport);
          expect(await statusOf(user.apiKey, order), transport).toStrictEqual({
            charge: c.charge,
            start_count: '0',
            status: 'Pending',
            remains: c.remains,
            currency: 'USD',
          });
          const after = await footprint(db(), user.id);
          expect(after, transport).toEqual({
            ...before,
            balanceUnits: before.balanceUnits - chargeUnits - reserveUnits,
            orders: before.orders + 1,
            ledgerEntries: before.ledgerEntries + (chargeUnits > 0n ? 1 : 0) + (reserveUnits > 0n ? 1 : 0),
          });
          const row = await orderOf(db(), order);
          expect(
            {
              type: row.type,
              service: row.serviceId,
              link: row.link,
              quantity: Number(row.quantity),
              runs: row.runs,
              interval: row.intervalMinutes,
              params: row.params,
              charge: formatAmount(row.chargeUnits),
            },
            transport,
          ).toStrictEqual({ type: c.type, service: svc, ...c.stored, charge: c.charge });
        }
      });
    }
  });

  describe('missing parameters', () => {
    for (const c of CASES) {
      it(`${c.label}: each required parameter, absent or blank, is asked for by name`, async () => {
        const svc = await seedService(db(), { type: c.type, ...c.service });
        const user = await seedUser(db(), '10');
        for (const name of c.required) {
          const { [name]: _dropped, ...without } = c.params;
          await refused(user, svc, without, `Missing parameter: ${name}`);
          await refused(user, svc, { ...c.params, [name]: '' }, `Missing parameter: ${name}`);
          await refused(user, svc, { ...c.params, [name]: '  ' }, `Missing parameter: ${name}`);
        }
        // A list made only of empty lines is as good as no list.
        for (const name of ['comments', 'usernames', 'hashtags', 'answers']) {
          if (c.required.includes(name)) {
            await refused(user, svc, { ...c.params, [name]: '\r\n \n\n' }, `Missing parameter: ${name}`);
          }
        }
        await refused(user, svc, {}, `Missing parameter: ${c.required[0]}`);
      });
    }

    it('without a service, or with one that does not exist, the answer is "Incorrect service ID"', async () => {
      const user = await seedUser(db(), '10');
      for (const service of [
        '',
        'abc',
        '0',
        '-3',
        '1.5',
        '987654321',
        '999999999999999',
        '9999999999999999',
      ]) {
        await refused(user, service, { link: LINK, quantity: 100 }, 'Incorrect service ID');
      }
      const before = await footprint(db(), user.id);
      const r = await callApi(app, { key: user.apiKey, action: 'add', link: LINK, quantity: 100 });
      expect(r.body).toStrictEqual({ error: 'Incorrect service ID' });
      expect(await footprint(db(), user.id)).toEqual(before);
    });
  });

  describe('drip-feed', () => {
    it('needs both runs and interval, and only on a service with drip-feed', async () => {
      const drip = await seedService(db(), { rate: '1', min: 10, max: 1000, dripfeed: true });
      const plain = await seedService(db(), { rate: '1', min: 10, max: 1000 });
      const user = await seedUser(db(), '100');
      const base = { link: LINK, quantity: 100 };
      await refused(
        user,
        plain,
        { ...base, runs: 2, interval: 10 },
        'Drip-feed is not available for this service',
      );
      await refused(user, plain, { ...base, runs: 2 }, 'Drip-feed is not available for this service');
      await refused(user, drip, { ...base, runs: 2 }, 'Missing parameter: interval');
      await refused(user, drip, { ...base, interval: 10 }, 'Missing parameter: runs');
      for (const runs of ['0', '-1', '1001', '2.5', 'two']) {
        await refused(user, drip, { ...base, runs, interval: 10 }, 'Incorrect runs');
      }
      for (const interval of ['0', '43201', '1.5', 'soon']) {
        await refused(user, drip, { ...base, runs: 2, interval }, 'Incorrect interval');
      }
      // Empty runs and interval mean "no drip-feed": an ordinary order, even on a service without it.
      const o = await placeOk(user.apiKey, plain, { ...base, runs: '', interval: '' });
      expect((await statusOf(user.apiKey, o)).charge).toBe('0.10');
      // The limits themselves are accepted: 1000 runs, 30 days.
      const big = await placeOk(user.apiKey, drip, { ...base, quantity: 10, runs: 1000, interval: 43200 });
      expect(await statusOf(user.apiKey, big)).toMatchObject({ charge: '10.00', remains: '10000' });
    });

    it('checks min and max per run, not against the total of all runs', async () => {
      const drip = await seedService(db(), { rate: '1', min: 10, max: 1000, dripfeed: true });
      const user = await seedUser(db(), '100');
      await refused(
        user,
        drip,
        { link: LINK, quantity: 9, runs: 100, interval: 5 },
        'Quantity less than minimal 10',
      );
      await refused(
        user,
        drip,
        { link: LINK, quantity: 1001, runs: 1, interval: 5 },
        'Quantity more than maximal 1000',
      );
      const o = await placeOk(user.apiKey, drip, { link: LINK, quantity: 1000, runs: 7, interval: 5 });
      expect(await statusOf(user.apiKey, o)).toMatchObject({ charge: '7.00', remains: '7000' });
    });

    it('a Partial drip-feed order refunds its undelivered remains across all runs exactly', async () => {
      const drip = await seedService(db(), { rate: '1.2345', min: 10, max: 1000, dripfeed: true });
      const user = await seedUser(db(), '10');
      const o = await placeOk(user.apiKey, drip, { link: LINK, quantity: 100, runs: 7, interval: 30 });
      const tooMuch = await changeOrderStatus({
        db: db(),
        orderId: o,
        change: { status: 'partial', remains: 701n },
      });
      expect(tooMuch).toEqual({
        ok: false,
        failure: { code: 'remains_out_of_range', max: 700n },
      });
      await moveOrder(db(), o, 'partial', { remains: 250n });
      // refund 250 × 1.2345 / 1000 = 0.308625; kept 0.86415 - 0.308625.
      expect(await statusOf(user.apiKey, o)).toMatchObject({
        charge: '0.555525',
        status: 'Partial',
        remains: '250',
      });
      expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('9.444475');
    });
  });

  describe('list types', () => {
    it('Custom Comments ignores a quantity parameter: the lines are the quantity', async () => {
      const svc = await seedService(db(), { type: 'Custom Comments', rate: '10', min: 1, max: 100 });
      const user = await seedUser(db(), '10');
      const o = await placeOk(user.apiKey, svc, { link: LINK, comments: 'a\nb', quantity: 50 });
      expect(await statusOf(user.apiKey, o)).toMatchObject({ charge: '0.02', remains: '2' });
    });

    it('line counts are checked against min and max of the service', async () => {
      const user = await seedUser(db(), '10');
      const comments = await seedService(db(), { type: 'Custom Comments', rate: '10', min: 2, max: 3 });
      const replies = await seedService(db(), { type: 'Comment Replies', rate: '10', min: 2, max: 3 });
      const list = await seedService(db(), { type: 'Mentions Custom List', rate: '10', min: 2, max: 3 });
      for (const [svc, name] of [
        [comments, 'comments'],
        [replies, 'comments'],
        [list, 'usernames'],
      ] as const) {
        await refused(user, svc, { link: LINK, [name]: 'one\r\n\r\n' }, 'Quantity less than minimal 2');
        await refused(user, svc, { link: LINK, [name]: 'a\nb\r\nc\nd' }, 'Quantity more than maximal 3');
        const o = await placeOk(user.apiKey, svc, { link: LINK, [name]: '\n a \r\n\r\n b \n c ' });
        expect(await statusOf(user.apiKey, o)).toMatchObject({ charge: '0.03', remains: '3' });
        expect((await orderOf(db(), o)).params).toStrictEqual({ [name]: ['a', 'b', 'c'] });
      }
    });

    it('a line with control characters or over 1000 characters is refused by name', async () => {
      const user = await seedUser(db(), '10');
      const comments = await seedService(db(), { type: 'Custom Comments', rate: '10', min: 1, max: 10 });
      const poll = await seedService(db(), { type: 'Poll', rate: '1', min: 1, max: 100 });
      const tag = await seedService(db(), { type: 'Mentions Hashtag', rate: '1', min: 1, max: 100 });
      await refused(user, comments, { link: LINK, comments: 'ok\nbad\u0007bell' }, 'Incorrect comments');
      await refused(
        user,
        comments,
        { link: LINK, comments: `ok\n${'x'.repeat(1001)}` },
        'Incorrect comments',
      );
      await placeOk(user.apiKey, comments, { link: LINK, comments: `ok\n${'x'.repeat(1000)}` });
      const poll1 = { link: LINK, quantity: 10, question: 'Q?', answers: 'A\nB' };
      await refused(user, poll, { ...poll1, question: 'x'.repeat(1001) }, 'Incorrect question');
      await refused(user, poll, { ...poll1, answers: 'A\n\u0000B' }, 'Incorrect answers');
      await refused(user, tag, { link: LINK, quantity: 10, hashtag: '#a\u001fb' }, 'Incorrect hashtag');
    });
  });

  describe('subscriptions', () => {
    const base = { username: 'natgeo', min: 100, max: 150 };

    it('accepts each delay of the list and keeps it; no delay means 0', async () => {
      const svc = await seedService(db(), { type: 'Subscriptions', rate: '2.5', min: 100, max: 1000 });
      // Charged per post from a reserve of one post (150 × 2.5 / 1000 = 0.375) set aside by each order.
      const user = await seedUser(db(), '7.5');
      const delays = [0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600];
      for (const delay of delays) {
        const o = await placeOk(user.apiKey, svc, { ...base, delay });
        expect((await orderOf(db(), o)).params?.delay, String(delay)).toBe(delay);
      }
      const o = await placeOk(user.apiKey, svc, base);
      expect((await orderOf(db(), o)).params?.delay).toBe(0);
      expect((await footprint(db(), user.id)).balanceUnits).toBe(0n);
    });

    it('a subscription charged per post is refused when the balance cannot pay for one post, and changes nothing', async () => {
      const svc = await seedService(db(), { type: 'Subscriptions', rate: '2.5', min: 100, max: 1000 });
      const user = await seedUser(db(), '0.3749999');
      const before = await footprint(db(), user.id);
      await refused(user, svc, base, 'Not enough funds on balance');
      expect(await footprint(db(), user.id)).toEqual(before);
    });

    it('refuses a delay outside the list, and a bad expiry, min, max, posts or old_posts, by name', async () => {
      const svc = await seedService(db(), { type: 'Subscriptions', rate: '2.5', min: 100, max: 1000 });
      const user = await seedUser(db(), '100');
      for (const delay of ['7', '45', '601', '-5', '5.0', 'soon']) {
        await refused(user, svc, { ...base, delay }, 'Incorrect delay');
      }
      const yesterday = utcDate(-1).dmy;
      for (const expiry of ['31/02/2099', '2099-01-01', '12/31/2099', '1/1/99', yesterday, 'never']) {
        await refused(user, svc, { ...base, expiry }, 'Incorrect expiry');
      }
      await refused(user, svc, { ...base, min: 'many' }, 'Incorrect min');
      await refused(user, svc, { ...base, max: '1.5' }, 'Incorrect max');
      await refused(user, svc, { ...base, min: 200, max: 150 }, 'Incorrect max');
      await refused(user, svc, { ...base, min: 99 }, 'Quantity less than minimal 100');
      await refused(user, svc, { ...base, max: 1001 }, 'Quantity more than maximal 1000');
      for (const posts of ['0', '10001', '-1', 'all']) {
        await refused(user, svc, { ...base, posts }, 'Incorrect posts');
      }
      for (const old_posts of ['1001', '-1', 'x']) {
        await refused(user, svc, { ...base, old_posts }, 'Incorrect old_posts');
      }
    });

    it('accepts an expiry from tomorrow on and stores it as dd/mm/YYYY', async () => {
      const svc = await seedService(db(), { type: 'Subscriptions', rate: '2.5', min: 100, max: 1000 });
      // Three subscriptions without posts, each with its reserve of one post (150 × 2.5 / 1000).
      const user = await seedUser(db(), '1.125');
      const tomorrow = utcDate(1);
      for (const [expiry, stored] of [
        [tomorrow.dmy, tomorrow.padded],
        ['31/12/2099', '31/12/2099'],
        ['29/2/2096', '29/02/2096'],
      ] as const) {
        const o = await placeOk(user.apiKey, svc, { ...base, expiry });
        expect((await orderOf(db(), o)).params?.expiry, expiry).toBe(stored);
      }
    });

    it('a Partial subscription refunds its undelivered posts × max × rate / 1000; Canceled refunds all', async () => {
      const svc = await seedService(db(), { type: 'Subscriptions', rate: '2.5', min: 100, max: 1000 });
      const user = await seedUser(db(), '10');
      const partial = await placeOk(user.apiKey, svc, { ...base, posts: 4 });
      const canceled = await placeOk(user.apiKey, svc, { ...base, posts: 2 });
      const free = await placeOk(user.apiKey, svc, base);
      // 1.5 + 0.75 charged, 0.375 set aside as the reserve of the subscription without posts.
      expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('7.375');
      await moveOrder(db(), partial, 'partial', { remains: 3n });
      // 3 posts × 150 × 2.5 / 1000 = 1.125 refunded, 0.375 kept.
      expect(await statusOf(user.apiKey, partial)).toMatchObject({
        charge: '0.375',
        status: 'Partial',
        remains: '3',
      });
      await moveOrder(db(), canceled, 'canceled');
      expect(await statusOf(user.apiKey, canceled)).toMatchObject({
        charge: '0.00',
        status: 'Canceled',
        remains: '2',
      });
      await moveOrder(db(), free, 'canceled');
      // Its reserve comes back when it ends.
      expect(await statusOf(user.apiKey, free)).toMatchObject({ charge: '0.00', status: 'Canceled' });
      expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('9.625');
    });
  });

  it('the books balance after every order of this suite', async () => {
    const report = await checkLedger({ db: db() });
    expect(report.problems).toEqual([]);
    expect(report.orders).toBeGreaterThan(60);
  });
});
