/**
 * The operator CLI, run in-process with captured output (same code path as the binary), plus one run
 * of the real `smm-panel` binary. Every command's --json answer and each error path.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, uniqueName } from './helpers/api.js';
import { runCliInProcess } from './helpers/cli.js';
import { describeEachDb } from './helpers/db.js';

const run = promisify(execFile);

describeEachDb('CLI', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
    // The CLI acts as the first admin (audit log); a fresh database has none until first start.
    await adminActor(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });

  const cli = (...args: string[]) => runCliInProcess(ctx().url, args);

  it('creates a user with an opening balance whose key works on the API', async () => {
    const username = uniqueName();
    const r = await cli('--json', 'users', 'create', '--username', username, '--balance', '12.5');
    expect(r.code).toBe(0);
    const created = r.json();
    expect(created).toMatchObject({ username, balance: '12.50' });
    expect(created.apiKey).toMatch(/^[0-9a-f]{64}$/);
    const bal = await callApi(app, { key: created.apiKey, action: 'balance' });
    expect(bal.body).toEqual({ balance: '12.50', currency: 'USD' });
  });

  it('rotating a key stops the old one', async () => {
    const username = uniqueName();
    const first = (await cli('--json', 'users', 'create', '--username', username)).json();
    const second = (await cli('--json', 'users', 'key', '--username', username)).json();
    expect(second.apiKey).not.toBe(first.apiKey);
    expect((await callApi(app, { key: first.apiKey, action: 'balance' })).body).toEqual({
      error: 'Invalid API key',
    });
    expect((await callApi(app, { key: second.apiKey, action: 'balance' })).body.balance).toBe('0.00');
  });

  it('funds add credits, deducts, and never takes a balance below zero', async () => {
    const username = uniqueName();
    await cli('users', 'create', '--username', username);
    expect(
      (await cli('--json', 'funds', 'add', '--username', username, '--amount', '3.0000001')).json(),
    ).toMatchObject({
      balance: '3.0000001',
    });
    expect(
      (await cli('--json', 'funds', 'add', '--username', username, '--amount', '-1')).json(),
    ).toMatchObject({
      balance: '2.0000001',
    });
    const tooMuch = await cli('--json', 'funds', 'add', '--username', username, '--amount', '-2.0000002');
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.json()).toEqual({ error: 'Not enough funds on balance' });
    const bad = await cli('funds', 'add', '--username', username, '--amount', '1.23456789');
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual([
      'smm-panel: amount must be a decimal number with at most 7 decimals (got "1.23456789")',
    ]);
    const missing = await cli('funds', 'add', '--username', 'nobody_here', '--amount', '1');
    expect(missing.err).toEqual(['smm-panel: User not found']);
  });

  it('services create/list/disable, per-user rates, orders list/set with exact settlement, ledger check', async () => {
    const username = uniqueName();
    const user = (await cli('--json', 'users', 'create', '--username', username, '--balance', '100')).json();
    const svc = await cli(
      '--json',
      'services',
      'create',
      '--name',
      'Likes',
      '--category',
      'IG',
      '--rate',
      '2.5',
      '--min',
      '10',
      '--max',
      '5000',
      '--refill',
      '--cancel',
    );
    expect(svc.code).toBe(0);
    const serviceId = svc.json().id;
    const listed = (await cli('--json', 'services', 'list'))
      .json()
      .services.find((s: { id: number }) => s.id === serviceId);
    expect(listed).toMatchObject({
      name: 'Likes',
      rate: '2.5',
      min: '10',
      max: '5000',
      refill: true,
      cancel: true,
      dripfeed: false,
    });

    expect(
      (
        await cli(
          '--json',
          'rates',
          'set',
          '--username',
          username,
          '--service',
          String(serviceId),
          '--rate',
          '2',
        )
      ).code,
    ).toBe(0);
    const order = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: serviceId,
      link: 'https://x.com/a',
      quantity: 1000,
    });
    expect(order.body.order).toBeGreaterThan(0);
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('98.00');

    const listedOrders = (await cli('--json', 'orders', 'list', '--username', username)).json().orders;
    expect(listedOrders).toHaveLength(1);
    expect(listedOrders[0]).toMatchObject({
      id: order.body.order,
      status: 'Pending',
      charge: '2.00',
      remains: '1000',
    });

    const partial = await cli(
      '--json',
      'orders',
      'set',
      '--order',
      String(order.body.order),
      '--status',
      'Partial',
      '--remains',
      '333',
    );
    expect(partial.json()).toMatchObject({ status: 'Partial', remains: '333', refund: '0.666' });
    expect((await callApi(app, { key: user.apiKey, action: 'balance' })).body.balance).toBe('98.666');
    const again = await cli('orders', 'set', '--order', String(order.body.order), '--status', 'Canceled');
    expect(again.code).toBe(1);
    expect(again.err[0]).toMatch(/cannot go from partial to canceled/);

    const refill = await callApi(app, { key: user.apiKey, action: 'refill', order: order.body.order });
    const done = await cli(
      '--json',
      'refills',
      'set',
      '--refill',
      refill.body.refill,
      '--status',
      'Completed',
    );
    expect(done.json()).toEqual({ refill: Number(refill.body.refill), status: 'Completed' });
    expect(
      (await callApi(app, { key: user.apiKey, action: 'refill_status', refill: refill.body.refill })).body
        .status,
    ).toBe('Completed');

    expect((await cli('--json', 'services', 'disable', '--service', String(serviceId))).code).toBe(0);
    const refused = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service: serviceId,
      link: 'https://x.com/a',
      quantity: 100,
    });
    expect(refused.body).toEqual({ error: 'Incorrect service ID' });

    const check = await cli('--json', 'ledger', 'check');
    expect(check.code).toBe(0);
    expect(check.json()).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    const badRate = await cli(
      'services',
      'create',
      '--name',
      'x',
      '--category',
      'y',
      '--rate',
      '0.12345',
      '--min',
      '1',
      '--max',
      '2',
    );
    expect(badRate.code).toBe(1);
    expect(badRate.err).toHaveLength(1);
    const badType = await cli(
      'services',
      'create',
      '--name',
      'x',
      '--category',
      'y',
      '--type',
      'Nope',
      '--rate',
      '1',
      '--min',
      '1',
      '--max',
      '2',
    );
    expect(badType.code).toBe(64);
    const badStatus = await cli('orders', 'set', '--order', '1', '--status', 'Done');
    expect(badStatus.err[0]).toMatch(/unknown status "Done"/);
    const unknown = await cli('--json', 'orders', 'set', '--order', '999999', '--status', 'Completed');
    expect(unknown.json()).toEqual({ error: 'Incorrect order ID' });
    const cur = await cli('settings', 'set', '--currency', 'euro');
    expect(cur.code).toBe(1);
  });

  it('the currency setting is what balance and status report', async () => {
    expect((await cli('--json', 'settings', 'set', '--currency', 'EUR')).json()).toEqual({ currency: 'EUR' });
    const user = (await cli('--json', 'users', 'create', '--username', uniqueName())).json();
    // An API process caches the currency for a few seconds; a newly started one reads it at once.
    const db = await openDatabase(ctx().url);
    const fresh = await makeApi(db.db);
    try {
      const bal = await callApi(fresh, { key: user.apiKey, action: 'balance' });
      expect(bal.body).toEqual({ balance: '0.00', currency: 'EUR' });
    } finally {
      await fresh.close();
      await db.close();
      await cli('settings', 'set', '--currency', 'USD');
    }
  });

  it('settings set --public-services on|off is what the web panel reports, off by default', async () => {
    const db = await openDatabase(ctx().url);
    const web = await makeApi(db.db);
    const panel = async () => (await web.inject({ method: 'GET', url: '/api/web/panel' })).json();
    const services = async () => (await web.inject({ method: 'GET', url: '/api/web/services' })).statusCode;
    try {
      expect((await cli('--json', 'settings', 'show')).json()).toMatchObject({ publicServices: 'off' });
      expect((await panel()).publicServices).toBe(false);
      expect(await services()).toBe(401);
      expect((await cli('--json', 'settings', 'set', '--public-services', 'on')).json()).toEqual({
        'public-services': 'on',
      });
      expect((await panel()).publicServices).toBe(true);
      expect(await services()).toBe(200);
      expect((await cli('settings', 'show')).out.join('\n')).toMatch(/public-services: on/);
      const bad = await cli('settings', 'set', '--public-services', 'yes');
      expect(bad.code).toBe(1);
      expect(bad.err[0]).toMatch(/public-services must be on or off/);
      expect((await cli('--json', 'settings', 'show')).json()).toMatchObject({ publicServices: 'on' });
      await cli('settings', 'set', '--public-services', 'off');
      expect(await services()).toBe(401);
    } finally {
      await cli('settings', 'set', '--public-services', 'off');
      await web.close();
      await db.close();
    }
  });

  it('the real binary runs with --json and exits non-zero on errors', async () => {
    const env = { ...process.env, DATABASE_URL: ctx().url };
    const ok = await run('node', ['bin/smm-panel.js', '--json', 'ledger', 'check'], { env });
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    await expect(
      run('node', ['bin/smm-panel.js', 'users', 'key', '--username', 'no_such_user'], { env }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: 'smm-panel: User not found\n',
    });
  });
});
