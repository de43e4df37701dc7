/**
 * No input produces an internal error: for every order type, extreme rates (up to the largest a rate
 * can be) and extreme quantities, runs and posts are answered with an order id or one of the API's
 * error strings, never "Internal error"; a refused order changes nothing, and the ledger stays exact.
 */
import * as fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SERVICE_TYPES, type ServiceType } from '../src/catalog/service-types.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { footprint } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';

const SEED = Number(process.env.FC_SEED ?? 20261201);
const RATES = ['0', '0.0001', '1', '999999.9999', '922337203.6854', '922337203685.4775'];
const BIG = ['1', '10', '1000', '999999999999', '1000000000000', '9007199254740991', '99999999999999999999'];

/** The parameters of one `add` of `type`, with `n` as every count the type takes. */
function addParams(
  type: ServiceType,
  n: string,
  runs: string | null,
  posts: string | null,
): Record<string, string> {
  const lines = (k: number) => Array.from({ length: Math.min(k, 50) }, (_, i) => `line ${i}`).join('\n');
  const count = /^\d{1,3}$/.test(n) ? Number(n) : 50;
  const link = 'https://instagram.com/p/x';
  switch (type) {
    case 'Default':
      return { link, quantity: n, ...(runs ? { runs, interval: '5' } : {}) };
    case 'Custom Comments':
    case 'Comment Replies':
      return { link, comments: lines(count), ...(type === 'Comment Replies' ? { username: 'u' } : {}) };
    case 'Mentions Custom List':
      return { link, usernames: lines(count) };
    case 'Mentions':
      return { link, quantity: n, usernames: 'a\nb' };
    case 'Mentions with Hashtags':
      return { link, quantity: n, usernames: 'a\nb', hashtags: '#a\n#b' };
    case 'Mentions Hashtag':
      return { link, quantity: n, hashtag: '#tag' };
    case 'Mentions User Followers':
      return { link, quantity: n, username: 'someone' };
    case 'Mentions Media Likers':
      return { link, quantity: n, media: 'https://instagram.com/p/y' };
    case 'Poll':
      return { link, quantity: n, answer_number: '1' };
    case 'Subscriptions':
      return { username: 'someone', min: n, max: n, delay: '0', ...(posts ? { posts } : {}) };
  }
}

describeEachDb('extreme amounts', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db, { rateLimitPerMinute: 1_000_000 });
  });
  afterAll(async () => {
    await app.close();
  });

  let services: Map<string, number>;
  let rich: { id: number; apiKey: string };
  let poor: { id: number; apiKey: string };
  const seen = new Set<string>();

  beforeAll(async () => {
    const db = ctx().db.db;
    services = new Map();
    for (const type of SERVICE_TYPES) {
      for (const rate of RATES) {
        services.set(
          `${type}|${rate}`,
          await seedService(db, { type, rate, min: 1, max: 1_000_000_000_000, dripfeed: type === 'Default' }),
        );
      }
    }
    rich = await seedUser(db, '922337203685');
    poor = await seedUser(db, '0.0001');
  });

  /** One add; an order id, or an API error that changed nothing and is not an internal error. */
  async function tryAdd(
    type: ServiceType,
    rate: string,
    n: string,
    runs: string | null,
    posts: string | null,
    user: { id: number; apiKey: string },
  ) {
    const db = ctx().db.db;
    const before = await footprint(db, user.id);
    const params = addParams(type, n, runs, posts);
    const r = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: services.get(`${type}|${rate}`)!,
      ...params,
    });
    const what = JSON.stringify({ type, rate, ...params });
    expect(r.statusCode, what).toBe(200);
    if ('order' in r.body) {
      expect(r.body.order, what).toEqual(expect.any(Number));
      return;
    }
    expect(typeof r.body.error, what).toBe('string');
    expect(r.body.error, what).not.toMatch(/internal/i);
    seen.add(r.body.error);
    expect(await footprint(db, user.id), what).toEqual(before);
  }

  it('every order type at every extreme rate and count answers an order or an API error, never an internal error', async () => {
    for (const type of SERVICE_TYPES) {
      for (const rate of RATES) {
        for (const n of BIG) {
          await tryAdd(type, rate, n, null, null, rich);
          if (type === 'Subscriptions') await tryAdd(type, rate, n, null, '10000', rich);
          if (type === 'Default') await tryAdd(type, rate, n, '999999999', null, rich);
        }
      }
    }
    // The extremes were reached: amounts too large came up.
    expect(seen).toContain('Amount too large');
  });

  it('random mixes of extreme rates, counts, runs, posts and balances never produce an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SERVICE_TYPES),
        fc.constantFrom(...RATES),
        fc.constantFrom(...BIG),
        fc.option(fc.constantFrom('1', '2', '1000', '999999999'), { nil: null }),
        fc.option(fc.constantFrom('1', '10000', '10001'), { nil: null }),
        fc.boolean(),
        (type, rate, n, runs, posts, isRich) => tryAdd(type, rate, n, runs, posts, isRich ? rich : poor),
      ),
      { seed: SEED, numRuns: 300 },
    );
    expect(seen).toContain('Not enough funds on balance');
    const ledger = await checkLedger({ db: ctx().db.db });
    expect(ledger.problems).toEqual([]);
  });
});
