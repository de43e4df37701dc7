/**
 * Transports real clients use beyond the plain form POST: multipart/form-data (PHP curl with an
 * array), JSON labelled as a form, other HTTP methods; and habits such as runs=0&interval=0.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('API v2 transports', (ctx) => {
  let app: FastifyInstance;
  let user: { apiKey: string };
  let service: number;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
    user = await seedUser(ctx().db.db, '5');
    service = await seedService(ctx().db.db, { rate: '2', min: 10, max: 1000 });
  });
  afterAll(async () => {
    await app.close();
  });

  it('multipart/form-data bodies (PHP curl with an array) are read like forms', async () => {
    const boundary = '----smmtest';
    const fields = {
      key: user.apiKey,
      action: 'add',
      service: String(service),
      link: 'https://t.me/x',
      quantity: '100',
    };
    const payload = `${Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('')}--${boundary}--\r\n`;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ order: expect.any(Number) });
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('4.80');
  });

  it('a multipart file part is refused with a JSON error and changes nothing', async () => {
    const boundary = '----smmfile';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${user.apiKey}\r\n--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const before = (await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('error');
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe(before);
  });

  it('a JSON body labelled as a form is read as JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: JSON.stringify({ key: user.apiKey, action: 'balance' }),
    });
    expect(JSON.parse(res.body)).toEqual({ balance: expect.any(String), currency: 'USD' });
  });

  it('other HTTP methods on /api/v2 get HTTP 200 and "Incorrect request"', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
      const res = await app.inject({ method, url: '/api/v2/' });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ error: 'Incorrect request' });
    }
    const elsewhere = await app.inject({ method: 'GET', url: '/nope' });
    expect(elsewhere.statusCode).toBe(404);
  });

  it('runs=0&interval=0 means no drip-feed, on a service without drip-feed', async () => {
    const res = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://t.me/y',
      quantity: 10,
      runs: 0,
      interval: 0,
    });
    expect(res.body).toEqual({ order: expect.any(Number) });
    const st = await callApi(app, { key: user.apiKey, action: 'status', order: res.body.order });
    expect(st.body).toMatchObject({ charge: '0.02', remains: '10' });
    const half = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://t.me/y',
      quantity: 10,
      runs: 2,
      interval: 0,
    });
    expect(half.body).toEqual({ error: 'Drip-feed is not available for this service' });
  });

  it('a tab inside a comment line is kept, not refused', async () => {
    const comments = await seedService(ctx().db.db, { type: 'Custom Comments', rate: '10', min: 1, max: 10 });
    const res = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: comments,
      link: 'https://t.me/z',
      comments: 'a\tb\nc',
    });
    expect(res.body).toEqual({ order: expect.any(Number) });
  });
});

describeEachDb('API v2 odd URLs', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  it('a URL with broken percent-encoding gets HTTP 200 JSON without echoing the key', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v2%?key=secretkeyvalue&action=balance' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ error: 'Incorrect request' });
    expect(res.body).not.toContain('secretkeyvalue');
  });

  it('the always-200 rule and lenient parsing belong to /api/v2 only: other paths answer ordinary statuses', async () => {
    const broken = await app.inject({ method: 'GET', url: '/elsewhere%?key=secretkeyvalue' });
    expect(broken.statusCode).toBe(400);
    expect(JSON.parse(broken.body)).toEqual({ error: 'Incorrect request' });
    expect(broken.body).not.toContain('secretkeyvalue');
    const missing = await app.inject({ method: 'POST', url: '/api/other', payload: 'key=x&action=balance' });
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'Not found' });
    const below = await app.inject({ method: 'PUT', url: '/api/v2/anything' });
    expect(below.statusCode).toBe(200);
    expect(JSON.parse(below.body)).toEqual({ error: 'Incorrect request' });
  });

  it('the path is not case-sensitive: /API/V2 answers like /api/v2', async () => {
    const user = await seedUser(ctx().db.db, '1');
    const res = await app.inject({ method: 'GET', url: `/API/V2?key=${user.apiKey}&action=balance` });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ balance: '1.00', currency: 'USD' });
  });
});
