/**
 * The operator's tools in the CLI, run in-process with captured output: users (list, disable/enable,
 * password, show), funds history, orders show/list/set, refills and cancels lists, providers (checked
 * add, disable/enable, remove, set, list), secrets from stdin or the environment, and an import that
 * keeps rates set by hand. Each error answer too, with its exit code.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/accounts/secrets.js';
import { raiseAlert } from '../src/alerts/alerts.repo.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, uniqueName } from './helpers/api.js';
import { cliJsonInProcess, runCliInProcess } from './helpers/cli.js';
import { describeEachDb } from './helpers/db.js';
import { makeEngine, startScriptedUpstream, upstreamService } from './helpers/engine.js';

/** A tiny upstream panel: answers balance and services to `good-key`, `Invalid API key` to any other. */
interface FakeUpstream {
  url: string;
  calls: { action: string; key: string }[];
  rates: Record<string, string>;
  close(): Promise<void>;
}

async function startUpstream(): Promise<FakeUpstream> {
  const calls: { action: string; key: string }[] = [];
  const rates: Record<string, string> = { '1': '1.00', '2': '2.00' };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const key = p.get('key') ?? '';
      const action = p.get('action') ?? '';
      calls.push({ action, key });
      const answer =
        key !== 'good-key'
          ? { error: 'Invalid API key' }
          : action === 'balance'
            ? { balance: '12.34', currency: 'USD' }
            : action === 'services'
              ? Object.entries(rates).map(([service, rate]) => ({
                  service,
                  name: `Upstream ${service}`,
                  type: 'Default',
                  category: 'Up',
                  rate,
                  min: 10,
                  max: 1000,
                  cancel: true,
                }))
              : { error: 'Incorrect request' };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    calls,
    rates,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEachDb('CLI operator tools', (ctx) => {
  let app: FastifyInstance;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
    // The CLI acts as the first admin (audit log); a fresh database has none until first start.
    await adminActor(ctx().db.db);
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  const cli = (args: string[], extra: { stdin?: string; env?: Record<string, string> } = {}) =>
    runCliInProcess(ctx().url, args, extra);
  const ok = (...args: string[]) => cliJsonInProcess(ctx().url, args);
  const passwordHashOf = async (username: string) =>
    (
      await ctx()
        .db.db.selectFrom('users')
        .select('password_hash')
        .where('username', '=', username)
        .executeTakeFirstOrThrow()
    ).password_hash as string;

  describe('users', () => {
    it('users list searches by name, filters by state, sorts by balance or name, limits, with a header line', async () => {
      const tag = uniqueName('lst');
      const a = `${tag}_a`;
      const b = `${tag}_b`;
      const c = `${tag}_c`;
      await ok('users', 'create', '--username', a, '--balance', '5');
      await ok('users', 'create', '--username', b, '--balance', '20.5', '--admin');
      await ok('users', 'create', '--username', c, '--role', 'support');
      await ok('users', 'disable', '--username', c);

      const byName = await ok('users', 'list', '--search', tag.toUpperCase());
      expect(byName.users.map((u: { username: string }) => u.username)).toEqual([a, b, c]);
      expect(byName.users[1]).toMatchObject({
        username: b,
        balance: '20.50',
        state: 'active',
        role: 'admin',
        admin: true,
      });
      expect(byName.users[2]).toMatchObject({ username: c, role: 'support', admin: false });

      const byBalance = await ok('users', 'list', '--search', tag, '--sort', 'balance', '--limit', '2');
      expect(byBalance.users.map((u: { username: string }) => u.username)).toEqual([b, a]);

      const disabled = await ok('users', 'list', '--search', tag, '--state', 'disabled');
      expect(disabled.users.map((u: { username: string; state: string }) => [u.username, u.state])).toEqual([
        [c, 'disabled'],
      ]);

      const human = await cli(['users', 'list', '--search', tag, '--state', 'active']);
      expect(human.out).toEqual([
        'id\tusername\tbalance\tstate\trole',
        `${byName.users[0].id}\t${a}\t5.00\tactive\tcustomer`,
        `${byName.users[1].id}\t${b}\t20.50\tactive\tadmin`,
      ]);
      expect((await cli(['users', 'list', '--search', 'no_such_name_anywhere'])).out).toEqual(['no users']);
      // A LIKE wildcard in the search is a plain character.
      expect((await ok('users', 'list', '--search', '%')).users).toEqual([]);

      const badState = await cli(['users', 'list', '--state', 'gone']);
      expect(badState.code).toBe(64);
      const badLimit = await cli(['users', 'list', '--limit', '0']);
      expect(badLimit.code).toBe(1);
      expect(badLimit.err).toEqual(['smm-panel: limit must be a whole number of at least 1 (got "0")']);
    });

    it('a disabled user is refused by the API at once, and works again once enabled', async () => {
      const username = uniqueName();
      const created = await ok('users', 'create', '--username', username, '--balance', '1');
      expect((await callApi(app, { key: created.apiKey, action: 'balance' })).body.balance).toBe('1.00');

      expect(await ok('users', 'disable', '--username', username)).toEqual({
        id: created.id,
        username,
        state: 'disabled',
        changed: true,
      });
      expect((await callApi(app, { key: created.apiKey, action: 'balance' })).body).toEqual({
        error: 'Invalid API key',
      });
      expect((await cli(['users', 'disable', '--username', username])).out).toEqual([
        `${username} was already disabled`,
      ]);
      expect(await ok('users', 'show', '--username', username)).toMatchObject({
        disabled: true,
        state: 'disabled',
        balance: '1.00',
        orders: 0,
      });

      expect((await cli(['users', 'enable', '--username', username])).out).toEqual([
        `${username} is now active`,
      ]);
      expect((await callApi(app, { key: created.apiKey, action: 'balance' })).body.balance).toBe('1.00');

      const missing = await cli(['--json', 'users', 'disable', '--username', 'nobody_at_all']);
      expect(missing.code).toBe(1);
      expect(missing.json()).toEqual({ error: 'User not found' });
    });

    it('users show is a view: balance, state, orders; unknown user is refused', async () => {
      const username = uniqueName();
      const created = await ok('users', 'create', '--username', username, '--balance', '3.1234567');
      const shown = await ok('users', 'show', '--username', username);
      expect(shown).toEqual({
        id: created.id,
        username,
        admin: false,
        disabled: false,
        state: 'active',
        balance: '3.1234567',
        currency: 'USD',
        orders: 0,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        email: null,
      });
      const human = await cli(['users', 'show', '--username', username]);
      expect(human.out).toEqual([
        `${username} (id ${created.id}): balance 3.1234567 USD, 0 order(s), since ${shown.created_at}, e-mail none`,
      ]);
      const missing = await cli(['users', 'show', '--username', 'nobody_at_all']);
      expect(missing.code).toBe(1);
      expect(missing.err).toEqual(['smm-panel: User not found']);
    });

    it('users password: from stdin, from the environment, or generated and printed once; stored as scrypt', async () => {
      const username = uniqueName();
      await ok('users', 'create', '--username', username);

      const fromStdin = await cli(['users', 'password', '--username', username, '--password-stdin'], {
        stdin: 'correct horse\nignored second line\n',
      });
      expect(fromStdin.code).toBe(0);
      expect(fromStdin.out).toEqual([`password of ${username} changed; 0 web session(s) ended`]);
      const hash1 = await passwordHashOf(username);
      expect(hash1).toMatch(/^scrypt\$/);
      expect(await verifyPassword('correct horse', hash1)).toBe(true);

      const fromEnv = await cli(
        ['--json', 'users', 'password', '--username', username, '--password-env', 'NEW_PW'],
        {
          env: { NEW_PW: 'battery staple' },
        },
      );
      expect(fromEnv.json()).toEqual({ id: expect.any(Number), username, endedSessions: 0 });
      expect(await verifyPassword('battery staple', await passwordHashOf(username))).toBe(true);

      const generated = await ok('users', 'password', '--username', username);
      expect(generated.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(await verifyPassword(generated.password, await passwordHashOf(username))).toBe(true);

      const weak = await cli(['users', 'password', '--username', username, '--password-stdin'], {
        stdin: 'short\n',
      });
      expect(weak.code).toBe(1);
      expect(weak.err).toEqual(['smm-panel: password must be at least 8 characters']);
      const empty = await cli(['users', 'password', '--username', username, '--password-stdin'], {
        stdin: '',
      });
      expect(empty.err).toEqual(['smm-panel: no password on standard input (one line expected)']);
      const noEnv = await cli(['users', 'password', '--username', username, '--password-env', 'UNSET_VAR_X']);
      expect(noEnv.err).toEqual(['smm-panel: environment variable UNSET_VAR_X is not set']);
      const twoWays = await cli(
        ['users', 'password', '--username', username, '--password', 'abcdefghij', '--password-env', 'X'],
        { env: { X: 'abcdefghij' } },
      );
      expect(twoWays.err).toEqual([
        'smm-panel: give the password one way only: --password, --password-stdin or --password-env',
      ]);
      const missing = await cli(['users', 'password', '--username', 'nobody_at_all', '--password-env', 'X'], {
        env: { X: 'abcdefghij' },
      });
      expect(missing.err).toEqual(['smm-panel: User not found']);
      // Nothing changed by the refusals.
      expect(await verifyPassword(generated.password, await passwordHashOf(username))).toBe(true);
    });

    it('users create takes its password from stdin, refuses a short one', async () => {
      const username = uniqueName();
      const r = await cli(['users', 'create', '--username', username, '--password-stdin'], {
        stdin: 'from-stdin-pw\n',
      });
      expect(r.code).toBe(0);
      expect(await verifyPassword('from-stdin-pw', await passwordHashOf(username))).toBe(true);
      const short = await cli(
        ['--json', 'users', 'create', '--username', uniqueName(), '--password-env', 'PW'],
        {
          env: { PW: 'short' },
        },
      );
      expect(short.code).toBe(1);
      expect(short.json()).toEqual({ error: 'password must be at least 8 characters' });
    });
  });

  describe('funds history and orders', () => {
    let serviceId: number;
    beforeAll(async () => {
      serviceId = (
        await ok(
          'services',
          'create',
          '--name',
          'Hand Likes',
          '--category',
          'IG',
          '--rate',
          '2',
          '--min',
          '10',
          '--max',
          '5000',
          '--refill',
          '--cancel',
        )
      ).id;
    });

    async function customer(balance: string) {
      const username = uniqueName();
      const created = await ok('users', 'create', '--username', username, '--balance', balance);
      return { username, id: created.id as number, apiKey: created.apiKey as string };
    }
    async function order(apiKey: string, quantity = 1000) {
      const r = await callApi(app, {
        key: apiKey,
        action: 'add',
        service: serviceId,
        link: 'https://x.com/p',
        quantity,
      });
      expect(r.body.order).toBeGreaterThan(0);
      return r.body.order as number;
    }

    it('funds history lists every ledger entry, newest first, with the balance after each', async () => {
      const u = await customer('10');
      await ok('funds', 'add', '--username', u.username, '--amount', '-1.5', '--note', 'fee');
      const o = await order(u.apiKey, 500);
      await ok('orders', 'set', '--order', String(o), '--status', 'Partial', '--remains', '100');
      const h = await ok('funds', 'history', '--username', u.username);
      expect(h.balance).toBe('7.70');
      expect(
        h.entries.map(
          (e: {
            kind: string;
            amount: string;
            balanceAfter: string;
            order: number | null;
            note: string | null;
          }) => [e.kind, e.amount, e.balanceAfter, e.order, e.note],
        ),
      ).toEqual([
        ['order_refund', '0.20', '7.70', o, 'partial: 100 not delivered'],
        ['order_charge', '-1.00', '7.50', o, null],
        ['adjustment', '-1.50', '8.50', null, 'fee'],
        ['deposit', '10.00', '10.00', null, 'opening balance'],
      ]);
      const limited = await ok('funds', 'history', '--username', u.username, '--limit', '1');
      expect(limited.entries).toHaveLength(1);
      const human = await cli(['funds', 'history', '--username', u.username, '--limit', '2']);
      expect(human.out[0]).toBe('time\tkind\tamount\tbalance after\torder\tnote');
      expect(human.out[2]).toBe(
        `${h.entries[1].at}\torder_charge\t-1.00\t7.50\t${o}\t${h.entries[1].note ?? '-'}`,
      );
      const missing = await cli(['funds', 'history', '--username', 'nobody_at_all']);
      expect(missing.err).toEqual(['smm-panel: User not found']);
      expect((await cli(['funds', 'history', '--username', u.username, '--limit', 'x'])).code).toBe(1);
    });

    it('orders show tells everything about one order; unknown and malformed ids are refused', async () => {
      const u = await customer('10');
      const o = await order(u.apiKey, 1000);
      await ok('orders', 'set', '--order', String(o), '--status', 'Completed', '--start-count', '77');
      const refill = await callApi(app, { key: u.apiKey, action: 'refill', order: o });
      const v = (await ok('orders', 'show', '--order', String(o))).order;
      expect(v).toMatchObject({
        id: o,
        user: { id: u.id, username: u.username },
        service: { id: serviceId, name: 'Hand Likes' },
        provider: null,
        upstreamOrder: null,
        status: 'Completed',
        dispatch: 'manual',
        charge: '2.00',
        refunded: '0.00',
        remains: '0',
        startCount: '77',
        cancel: null,
        dripfeedRuns: [],
      });
      expect(v.ledger.map((e: { kind: string; amount: string }) => [e.kind, e.amount])).toEqual([
        ['order_charge', '-2.00'],
      ]);
      expect(v.refills).toEqual([
        {
          id: Number(refill.body.refill),
          order: o,
          username: u.username,
          status: 'Pending',
          forwarding: 'manual',
          upstreamRefill: null,
          error: null,
          createdAt: expect.any(String),
        },
      ]);
      const human = await cli(['orders', 'show', '--order', String(o)]);
      expect(human.out.slice(0, 3)).toEqual([
        `order ${o}: Completed (manual)`,
        `user:      ${u.username} (#${u.id})`,
        `service:   Hand Likes (#${serviceId}), type Default`,
      ]);
      expect(human.out).toContain('  time\tkind\tamount\tbalance after');

      const unknown = await cli(['--json', 'orders', 'show', '--order', '999999']);
      expect(unknown.code).toBe(1);
      expect(unknown.json()).toEqual({ error: 'Incorrect order ID' });
      const bad = await cli(['orders', 'show', '--order', 'abc']);
      expect(bad.code).toBe(1);
      expect(bad.err).toEqual(['smm-panel: order must be a whole number of at least 1 (got "abc")']);
      expect((await cli(['orders', 'show'])).code).toBe(64);
    });

    it('orders list names the service, filters by user, status, dates and provider, and hides ended cancel requests', async () => {
      const u = await customer('20');
      const first = await order(u.apiKey, 100);
      const second = await order(u.apiKey, 200);
      expect((await callApi(app, { key: u.apiKey, action: 'cancel', orders: String(first) })).body).toEqual([
        { order: first, cancel: 'Your cancellation request has been received.' },
      ]);
      let rows = (await ok('orders', 'list', '--username', u.username)).orders;
      expect(rows.map((r: { id: number }) => r.id)).toEqual([second, first]);
      expect(rows[1]).toMatchObject({
        service_name: 'Hand Likes',
        cancel_requested: true,
        status: 'Pending',
      });

      await ok('orders', 'set', '--order', String(first), '--status', 'Canceled');
      rows = (await ok('orders', 'list', '--username', u.username, '--status', 'canceled')).orders;
      expect(rows.map((r: { id: number; cancel_requested: boolean }) => [r.id, r.cancel_requested])).toEqual([
        [first, false],
      ]);

      const today = new Date().toISOString().slice(0, 10);
      expect(
        (await ok('orders', 'list', '--username', u.username, '--since', today, '--until', today)).orders,
      ).toHaveLength(2);
      expect((await ok('orders', 'list', '--username', u.username, '--until', '2000-01-01')).orders).toEqual(
        [],
      );
      expect(
        (await ok('orders', 'list', '--username', u.username, '--since', '2999-01-01T00:00:00Z')).orders,
      ).toEqual([]);
      expect((await ok('orders', 'list', '--username', u.username, '--limit', '1')).orders).toHaveLength(1);

      const human = await cli(['orders', 'list', '--username', u.username]);
      expect(human.out[0]).toBe(
        'id\tuser\tservice\tstatus\tquantity\tremains\tcharge\trefunded\tprovider\tdispatch\tlink\tnote',
      );
      expect(human.out[1]).toBe(
        `${second}\t${u.username}\tHand Likes (#${serviceId})\tPending\t200\t200\t0.40\t0.00\t-\tmanual\thttps://x.com/p\t`,
      );
      expect(human.out[2]).toBe(
        `${first}\t${u.username}\tHand Likes (#${serviceId})\tCanceled\t100\t100\t0.20\t0.20\t-\tmanual\thttps://x.com/p\t`,
      );

      const badDate = await cli(['orders', 'list', '--since', '01/02/2025']);
      expect(badDate.err).toEqual([
        'smm-panel: since must be an ISO date like 2025-03-01 or 2025-03-01T12:00:00Z (got "01/02/2025")',
      ]);
      expect((await cli(['--json', 'orders', 'list', '--username', 'nobody_at_all'])).json()).toEqual({
        error: 'User not found',
      });
      expect((await cli(['--json', 'orders', 'list', '--provider', '999999'])).json()).toEqual({
        error: 'Provider not found',
      });
      expect((await cli(['orders', 'list', '--status', 'Done'])).err[0]).toMatch(
        /^smm-panel: unknown status "Done"/,
      );
    });

    it('orders set refuses an order with its provider unless --force', async () => {
      const u = await customer('5');
      const o = await order(u.apiKey, 100);
      await ctx().db.db.updateTable('orders').set({ dispatch_state: 'sent' }).where('id', '=', o).execute();
      const refused = await cli(['--json', 'orders', 'set', '--order', String(o), '--status', 'Completed']);
      expect(refused.code).toBe(1);
      expect(refused.json()).toEqual({
        error: `order ${o} is with its provider (sent); the engine settles it (use --force to override, or orders review)`,
      });
      expect((await ok('orders', 'show', '--order', String(o))).order.status).toBe('Pending');
      const forced = await ok('orders', 'set', '--order', String(o), '--status', 'Completed', '--force');
      expect(forced).toEqual({ order: o, status: 'Completed', remains: '0', refund: '0.00', charge: '0.20' });
    });

    it('orders review and alerts list print a header and name the service and provider', async () => {
      const u = await customer('5');
      const o = await order(u.apiKey, 100);
      await ctx()
        .db.db.updateTable('orders')
        .set({ dispatch_state: 'review', last_error: 'timeout after send' })
        .where('id', '=', o)
        .execute();
      const review = await cli(['orders', 'review']);
      expect(review.out).toEqual([
        'id\tuser\tservice\tprovider\tlink\tquantity\terror',
        `${o}\t${u.username}\tHand Likes (#${serviceId})\t-\thttps://x.com/p\t100\ttimeout after send`,
      ]);
      expect((await ok('orders', 'review')).orders).toEqual([
        {
          id: o,
          username: u.username,
          provider: null,
          provider_name: null,
          service: serviceId,
          service_name: 'Hand Likes',
          link: 'https://x.com/p',
          quantity: '100',
          error: 'timeout after send',
        },
      ]);
      expect(await ok('orders', 'review', '--order', String(o), '--cancel')).toEqual({
        order: o,
        resolution: 'cancel',
      });
      expect((await cli(['orders', 'review'])).out).toEqual(['no orders to review']);

      expect((await cli(['alerts', 'list'])).out).toEqual(['no open alerts']);
      await raiseAlert(ctx().db.db, {
        kind: 'possible_duplicate',
        orderId: o,
        message: 'look at it',
        now: Date.UTC(2025, 0, 2),
      });
      const alerts = await cli(['alerts', 'list']);
      expect(alerts.out[0]).toBe('id\tcreated\tkind\tprovider\torder\tmessage');
      expect(alerts.out[1]).toMatch(
        new RegExp(`^\\d+\\t2025-01-02T00:00:00.000Z\\tpossible_duplicate\\t-\\t${o}\\tlook at it$`),
      );
    });

    it('refills list shows open requests first; cancels list shows the waiting ones', async () => {
      const u = await customer('10');
      const done = await order(u.apiKey, 100);
      const open = await order(u.apiKey, 100);
      const active = await order(u.apiKey, 100);
      await ok('orders', 'set', '--order', String(done), '--status', 'Completed');
      await ok('orders', 'set', '--order', String(open), '--status', 'Completed');
      const r1 = Number((await callApi(app, { key: u.apiKey, action: 'refill', order: done })).body.refill);
      await ok('refills', 'set', '--refill', String(r1), '--status', 'Completed');
      const r2 = Number((await callApi(app, { key: u.apiKey, action: 'refill', order: open })).body.refill);

      const all = (await ok('refills', 'list')).refills.filter(
        (r: { username: string }) => r.username === u.username,
      );
      expect(all.map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([
        [r2, 'Pending'],
        [r1, 'Completed'],
      ]);
      const openOnly = (await ok('refills', 'list', '--open')).refills;
      expect(openOnly.some((r: { id: number }) => r.id === r1)).toBe(false);
      const human = await cli(['refills', 'list', '--open']);
      expect(human.out[0]).toBe('id\torder\tuser\tstatus\tforwarding\tcreated\terror');
      expect(human.out).toContain(`${r2}\t${open}\t${u.username}\tPending\tmanual\t${all[0].createdAt}\t-`);

      await callApi(app, { key: u.apiKey, action: 'cancel', orders: String(active) });
      const cancels = (await ok('cancels', 'list')).cancels.filter(
        (c: { username: string }) => c.username === u.username,
      );
      expect(cancels).toEqual([
        {
          order: active,
          username: u.username,
          service: 'Hand Likes',
          status: 'Pending',
          requestedAt: expect.any(String),
          state: 'waiting',
        },
      ]);
      const cHuman = await cli(['cancels', 'list']);
      expect(cHuman.out[0]).toBe('order\tuser\tservice\tstatus\trequested\tstate');
      expect(cHuman.out).toContain(
        `${active}\t${u.username}\tHand Likes\tPending\t${cancels[0].requestedAt}\twaiting`,
      );
      // Once the order ends, the request is no longer waiting.
      await ok('orders', 'set', '--order', String(active), '--status', 'Canceled');
      expect((await ok('cancels', 'list')).cancels.some((c: { order: number }) => c.order === active)).toBe(
        false,
      );
    });
  });

  describe('providers', () => {
    it('a disabled provider gets no new sends while the orders it has are still followed; enabled, it gets them', async () => {
      const up = await startScriptedUpstream({ services: [upstreamService(501), upstreamService(502)] });
      try {
        const id = String(
          (await ok('providers', 'add', '--name', uniqueName('eng'), '--url', up.url, '--key', up.key)).id,
        );
        const [svc] = (await ok('services', 'import', '--provider', id, '--markup', '0')).created as [number];
        const buyer = await ok('users', 'create', '--username', uniqueName(), '--balance', '100');
        const place = async (link: string) =>
          (await callApi(app, { key: buyer.apiKey, action: 'add', service: svc, link, quantity: 100 })).body
            .order as number;
        const engine = makeEngine(ctx().db.db, ctx().dialect);
        const dispatchOf = async (o: number) =>
          (await ok('orders', 'show', '--order', String(o))).order.dispatch;

        const before = await place('https://x.com/before');
        await engine.until(async () => (await dispatchOf(before)) === 'sent', 10, 'first order sent');

        await ok('providers', 'disable', '--provider', id);
        const during = await place('https://x.com/during');
        await engine.rounds(3);
        expect(await dispatchOf(during)).toBe('queued');
        expect(up.orderByLink('https://x.com/during')).toBeUndefined();
        // The order it already has is still followed to the end.
        const upstreamId = up.orderByLink('https://x.com/before')?.id as string;
        up.setStatus(upstreamId, { status: 'Completed', remains: '0', start_count: '5', charge: '0.1' });
        await engine.until(
          async () => (await ok('orders', 'show', '--order', String(before))).order.status === 'Completed',
          10,
          'followed to completion',
        );

        await ok('providers', 'enable', '--provider', id);
        await engine.until(async () => (await dispatchOf(during)) === 'sent', 10, 'sent once enabled');
        expect(up.orderByLink('https://x.com/during')).toBeDefined();
      } finally {
        await up.close();
      }
    });

    it('providers add checks URL and key with a balance call and refuses with the upstream reason', async () => {
      const name = uniqueName('bad');
      const refused = await cli([
        'providers',
        'add',
        '--name',
        name,
        '--url',
        upstream.url,
        '--key',
        'wrong-key',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.err).toEqual([
        `smm-panel: provider check failed: provider ${name} answered: Invalid API key`,
      ]);
      expect((await ok('providers', 'list')).providers.some((p: { name: string }) => p.name === name)).toBe(
        false,
      );

      const unchecked = await ok(
        'providers',
        'add',
        '--name',
        name,
        '--url',
        upstream.url,
        '--key',
        'wrong-key',
        '--no-check',
      );
      expect(unchecked).toEqual({ id: expect.any(Number) });

      const good = await cli(
        ['providers', 'add', '--name', uniqueName('good'), '--url', upstream.url, '--key-stdin'],
        {
          stdin: 'good-key\n',
        },
      );
      expect(good.code).toBe(0);
      expect(good.out[0]).toMatch(/^added provider \d+: good\S+ \(our balance there: 12\.34\)$/);

      const fromEnv = await cli(
        [
          '--json',
          'providers',
          'add',
          '--name',
          uniqueName('env'),
          '--url',
          upstream.url,
          '--key-env',
          'UP_KEY',
        ],
        { env: { UP_KEY: 'good-key' } },
      );
      expect(fromEnv.code).toBe(0);
      const listed = (await ok('providers', 'list')).providers.find(
        (p: { id: number }) => p.id === fromEnv.json().id,
      );
      expect(listed).toEqual({
        id: fromEnv.json().id,
        name: expect.any(String),
        url: upstream.url,
        state: 'active',
        heldReason: null,
        sendLimit: 1,
      });
      const human = await cli(['providers', 'list']);
      expect(human.out[0]).toBe('id\tname\turl\tsend limit\tstate');
      expect(human.out.join('\n')).not.toContain('good-key');

      const noKey = await cli(['providers', 'add', '--name', uniqueName('x'), '--url', upstream.url]);
      expect(noKey.err).toEqual(['smm-panel: give the key: --key-stdin, --key-env NAME or --key KEY']);
      const unreachable = await cli([
        'providers',
        'add',
        '--name',
        'closed-port',
        '--url',
        'http://127.0.0.1:1/api/v2',
        '--key',
        'k',
      ]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.err[0]).toMatch(/^smm-panel: provider check failed: provider closed-port: /);
      expect((await cli(['providers', 'add', '--name', 'x'])).code).toBe(64);
    });

    it('providers set --send-limit changes how many orders one worker sends to it at once, within 1-100', async () => {
      const id = String(
        (
          await ok(
            'providers',
            'add',
            '--name',
            uniqueName('lim'),
            '--url',
            upstream.url,
            '--key',
            'good-key',
          )
        ).id,
      );
      expect(await ok('providers', 'set', '--provider', id, '--send-limit', '5')).toEqual({
        provider: Number(id),
        sendLimit: 5,
      });
      const listed = (await ok('providers', 'list')).providers.find(
        (p: { id: number }) => p.id === Number(id),
      );
      expect(listed.sendLimit).toBe(5);
      const tooMany = await cli(['providers', 'set', '--provider', id, '--send-limit', '101']);
      expect(tooMany.code).toBe(1);
      expect(tooMany.err).toEqual(['smm-panel: send limit must be a whole number from 1 to 100']);
      const zero = await cli(['providers', 'set', '--provider', id, '--send-limit', '0']);
      expect(zero.err).toEqual(['smm-panel: send limit must be a whole number of at least 1 (got "0")']);
      const missing = await cli(['providers', 'set', '--provider', '999999', '--send-limit', '2']);
      expect(missing.err).toEqual(['smm-panel: Provider not found']);
      const nothing = await cli(['providers', 'set', '--provider', id]);
      expect(nothing.code).toBe(1);
      expect(nothing.err).toEqual([
        'smm-panel: give --url, a key (--key, --key-stdin, --key-env) or --send-limit',
      ]);
      expect(
        (await ok('providers', 'list')).providers.find((p: { id: number }) => p.id === Number(id)).sendLimit,
      ).toBe(5);
    });

    it('disable stops new sends (state disabled), enable brings it back; resume refuses a disabled provider', async () => {
      const id = (
        await ok('providers', 'add', '--name', uniqueName('dis'), '--url', upstream.url, '--key', 'good-key')
      ).id;
      expect(await ok('providers', 'disable', '--provider', String(id))).toEqual({
        provider: id,
        state: 'disabled',
        changed: true,
        requeued: 0,
      });
      expect((await ok('providers', 'list')).providers.find((p: { id: number }) => p.id === id).state).toBe(
        'disabled',
      );
      const resume = await cli(['providers', 'resume', '--provider', String(id)]);
      expect(resume.code).toBe(1);
      expect(resume.err).toEqual([`smm-panel: provider ${id} is disabled (smm-panel providers enable)`]);
      expect((await cli(['providers', 'disable', '--provider', String(id)])).out[0]).toMatch(
        /was already disabled$/,
      );
      expect(await ok('providers', 'enable', '--provider', String(id))).toEqual({
        provider: id,
        state: 'active',
        changed: true,
        requeued: 0,
      });
      expect(await ok('providers', 'resume', '--provider', String(id))).toEqual({
        provider: id,
        requeued: 0,
      });
      for (const cmd of ['disable', 'enable', 'resume', 'remove', 'balance']) {
        const r = await cli(['--json', 'providers', cmd, '--provider', '999999']);
        expect(r.code).toBe(1);
        expect(r.json()).toEqual({ error: 'Provider not found' });
      }
      expect((await cli(['providers', 'disable', '--provider', '0'])).err).toEqual([
        'smm-panel: provider must be a whole number of at least 1 (got "0")',
      ]);
    });

    it('providers set changes URL or key after checking them; the key can come from stdin', async () => {
      const id = (
        await ok('providers', 'add', '--name', uniqueName('set'), '--url', upstream.url, '--key', 'good-key')
      ).id;
      const bad = await cli(['providers', 'set', '--provider', String(id), '--key-stdin'], {
        stdin: 'wrong-key\n',
      });
      expect(bad.code).toBe(1);
      expect(bad.err[0]).toMatch(
        /^smm-panel: provider check failed: provider set\S+ answered: Invalid API key$/,
      );
      expect((await ok('providers', 'balance', '--provider', String(id))).balance).toBe('12.34');
      const saved = await cli(['providers', 'set', '--provider', String(id), '--key-stdin', '--no-check'], {
        stdin: 'wrong-key\n',
      });
      expect(saved.code).toBe(0);
      const balance = await cli(['--json', 'providers', 'balance', '--provider', String(id)]);
      expect(balance.json()).toEqual({ error: expect.stringMatching(/answered: Invalid API key$/) });
      expect((await cli(['providers', 'set', '--provider', String(id), '--url', 'ftp://x'])).err).toEqual([
        'smm-panel: url must be an http(s) URL, e.g. https://panel.example/api/v2',
      ]);
      expect((await cli(['providers', 'set', '--provider', '999999', '--url', upstream.url])).err).toEqual([
        'smm-panel: Provider not found',
      ]);
    });

    it('import keeps rates set by hand unless --overwrite-rates; remove is refused while services or open orders use the provider', async () => {
      const id = String(
        (
          await ok(
            'providers',
            'add',
            '--name',
            uniqueName('imp'),
            '--url',
            upstream.url,
            '--key',
            'good-key',
          )
        ).id,
      );
      const first = await ok('services', 'import', '--provider', id, '--markup', '0');
      expect(first.created).toHaveLength(2);
      expect(first.keptRates).toEqual([]);
      const [s1, s2] = first.created as [number, number];
      await ok('services', 'update', '--service', String(s1), '--rate', '5');

      upstream.rates['1'] = '1.50';
      upstream.rates['2'] = '2.50';
      const second = await cli(['services', 'import', '--provider', id, '--markup', '0']);
      expect(second.out).toEqual([
        'imported: 0 new, 2 updated, 0 disabled (vanished upstream)',
        `  kept the rate set by hand on service(s) ${s1} (--overwrite-rates replaces them)`,
      ]);
      const rateOf = async (sid: number) =>
        (await ok('services', 'list', '--all')).services.find((s: { id: number }) => s.id === sid).rate;
      expect(await rateOf(s1)).toBe('5');
      expect(await rateOf(s2)).toBe('2.5');

      const third = await ok('services', 'import', '--provider', id, '--markup', '0', '--overwrite-rates');
      expect(third.keptRates).toEqual([]);
      expect(await rateOf(s1)).toBe('1.5');
      // Overwritten: the next import follows the upstream again.
      upstream.rates['1'] = '1.75';
      expect((await ok('services', 'import', '--provider', id, '--markup', '0')).keptRates).toEqual([]);
      expect(await rateOf(s1)).toBe('1.75');

      const upstreamList = await cli(['providers', 'services', '--provider', id]);
      expect(upstreamList.out).toEqual([
        'service\tcategory\tname\ttype\trate\tmin-max\tflags',
        '1\tUp\tUpstream 1\tDefault\t1.75\t10-1000\tcancel',
        '2\tUp\tUpstream 2\tDefault\t2.50\t10-1000\tcancel',
      ]);
      const listed = await cli(['services', 'list', '--all']);
      expect(listed.out[0]).toBe('id\tcategory\tname\ttype\trate\tmin-max\tflags\tstate');
      expect(listed.out).toContain(`${s1}\tUp\tUpstream 1\tDefault\t1.75\t10-1000\tcancel\tenabled`);

      // An order with this provider, not yet sent (no worker runs here): still open.
      const buyer = await ok('users', 'create', '--username', uniqueName(), '--balance', '10');
      const placed = await callApi(app, {
        key: buyer.apiKey,
        action: 'add',
        service: s1,
        link: 'https://x.com/q',
        quantity: 100,
      });
      expect(placed.body.order).toBeGreaterThan(0);
      const listedByProvider = (await ok('orders', 'list', '--provider', id)).orders;
      expect(listedByProvider.map((o: { id: number; provider_name: string }) => o.id)).toEqual([
        placed.body.order,
      ]);

      const refused = await cli(['--json', 'providers', 'remove', '--provider', id]);
      expect(refused.code).toBe(1);
      expect(refused.json()).toEqual({ error: 'provider is still used by 1 open order(s) and 2 service(s)' });

      await ok('orders', 'set', '--order', String(placed.body.order), '--status', 'Canceled');
      await ok('services', 'update', '--service', String(s1), '--manual');
      await ok('services', 'update', '--service', String(s2), '--manual');
      expect(await ok('providers', 'remove', '--provider', id)).toEqual({
        provider: Number(id),
        removed: true,
      });
      expect((await ok('providers', 'list')).providers.some((p: { id: number }) => p.id === Number(id))).toBe(
        false,
      );
      // The ended order keeps its history.
      expect((await ok('orders', 'show', '--order', String(placed.body.order))).order.provider).toEqual({
        id: Number(id),
        name: null,
      });
    });
  });
});
