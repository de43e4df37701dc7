/**
 * Caches and the change version (src/db/change-version.ts): a panel process keeps each customer's
 * catalogue, the services it prices orders with, and the currency in memory; an operator's change made
 * through *another* process (here a second, separate connection to the same database, as the CLI or a
 * second API server would be) is seen by the very next request. A raw write that skips the version is
 * not seen, which shows the values really are kept (and why every write goes through a repository).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setServiceEnabled } from '../src/catalog/set-service-enabled.js';
import { setUserRate } from '../src/catalog/set-user-rate.js';
import { updateService } from '../src/catalog/update-service.js';
import { type Db, openDatabase } from '../src/db/connect.js';
import { formatRate, parseRate } from '../src/money.js';

/** A rate as API v2 `services` writes it. */
const rate = (text: string) => formatRate(parseRate(text) as bigint);

import { setCurrency } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('a change made by another process is seen on the next request', (ctx) => {
  let other: Db;
  let app: FastifyInstance;
  let user: { id: number; username: string; apiKey: string };
  let service: number;

  beforeAll(async () => {
    const t = ctx();
    other = await openDatabase(t.url, { migrate: false, poolSize: 2 });
    app = await makeApi(t.db.db);
    user = await seedUser(t.db.db, '1000');
    service = await seedService(t.db.db, { rate: '1.00', min: 10, max: 100000, name: 'Likes' });
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
  });

  const rateShown = async () => {
    const r = await callApi(app, { key: user.apiKey, action: 'services' });
    return r.body.find((s: { service: number }) => s.service === service)?.rate;
  };
  const add = async (quantity: number) => {
    const r = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://x.test/p',
      quantity,
    });
    if (!r.body.order) return r.body;
    const s = await callApi(app, { key: user.apiKey, action: 'status', order: r.body.order });
    return s.body.charge;
  };

  it('a raw write that does not bump the version is not seen: the catalogue is kept', async () => {
    expect(await rateShown()).toBe(rate('1.00'));
    expect(await add(1000)).toBe('1.00');
    await sql`update services set rate_units = ${parseRate('9.00')} where id = ${service}`.execute(other.db);
    expect(await rateShown()).toBe(rate('1.00'));
    expect(await add(1000)).toBe('1.00');
    // Put it back as it was, so the next tests start from what the cache holds.
    await sql`update services set rate_units = ${parseRate('1.00')} where id = ${service}`.execute(other.db);
  });

  it('the services answer is JSON with its content type, written once while nothing changes', async () => {
    const first = await app.inject({
      method: 'POST',
      url: '/api/v2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `key=${user.apiKey}&action=services`,
    });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    const parsed = JSON.parse(first.body);
    expect(parsed.find((s: { service: number }) => s.service === service)).toMatchObject({
      name: 'Likes',
      rate: rate('1.00'),
      desc: '',
    });
    const again = await callApi(app, { key: user.apiKey, action: 'services' });
    expect(again.raw).toBe(first.body);
  });

  it("the service's rate: the list and the charge of the next order", async () => {
    expect(await rateShown()).toBe(rate('1.00'));
    const r = await updateService({
      db: other.db,
      actor: await adminActor(other.db),
      serviceId: service,
      changes: { rateUnits: parseRate('2.50') as bigint },
    });
    expect(r.ok).toBe(true);
    expect(await rateShown()).toBe(rate('2.50'));
    expect(await add(2000)).toBe('5.00');
  });

  it("a customer's own rate", async () => {
    const r = await setUserRate({
      db: other.db,
      actor: await adminActor(other.db),
      username: user.username,
      serviceId: service,
      rateUnits: parseRate('0.75'),
    });
    expect(r.ok).toBe(true);
    expect(await rateShown()).toBe(rate('0.75'));
    expect(await add(4000)).toBe('3.00');
  });

  it('a service turned off is refused at once', async () => {
    expect(await add(1000)).toBe('0.75');
    const r = await setServiceEnabled({
      db: other.db,
      actor: await adminActor(other.db),
      serviceId: service,
      enabled: false,
    });
    expect(r.ok).toBe(true);
    expect(await rateShown()).toBeUndefined();
    expect(await add(1000)).toEqual({ error: 'Incorrect service ID' });
  });

  it('the currency', async () => {
    const before = await callApi(app, { key: user.apiKey, action: 'balance' });
    expect(before.body.currency).toBe('USD');
    expect(await setCurrency(other.db, 'EUR')).toBe(true);
    const after = await callApi(app, { key: user.apiKey, action: 'balance' });
    expect(after.body.currency).toBe('EUR');
  });
});
