/**
 * Staff roles and the audit log through the CLI (in-process): each state change writes exactly one
 * entry with its actor, action, subject, before and after; a refused one writes none; the log is
 * append-only on both databases; no secret is ever kept; support is held to its role; the last admin
 * stays; `--as` a customer is refused.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { raiseAlert } from '../src/alerts/alerts.repo.js';
import { main } from '../src/cli/main.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('audit log and staff roles', (ctx) => {
  let app: Awaited<ReturnType<typeof makeApi>>;
  let serviceId: number;
  const db = () => ctx().db.db;
  beforeAll(async () => {
    app = await makeApi(db());
    await adminActor(db());
    serviceId = await seedService(db(), { refill: true });
  });
  afterAll(async () => {
    await app.close();
  });

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['--json', ...args], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { DATABASE_URL: ctx().url },
    });
    return { code, json: () => JSON.parse(out.join('\n')), err };
  }
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${JSON.stringify(r.json())}`);
    return r.json();
  };
  const entries = async () => db().selectFrom('audit_log').selectAll().orderBy('id', 'asc').execute();
  const count = async () => (await entries()).length;
  async function placeOrder(apiKey: string): Promise<number> {
    const r = await callApi(app, {
      key: apiKey,
      action: 'add',
      service: serviceId,
      link: 'https://x.example/a',
      quantity: 100,
    });
    return Number(r.body.order);
  }
  let supportName = '';

  it('every state change writes exactly one entry with its actor, action, subject, before and after', async () => {
    const admin = await adminActor(db());
    const customer = await seedUser(db(), '10');
    const orderId = await placeOrder(customer.apiKey);
    supportName = uniqueName('support');
    const cases: { args: string[]; action: string; subject: string; before: unknown; after: unknown }[] = [
      {
        args: ['funds', 'add', '--username', customer.username, '--amount', '5', '--note', 'gift'],
        action: 'funds.adjust',
        subject: `user:${customer.id}`,
        before: expect.objectContaining({ balance: expect.stringMatching(/^9\.9/) }),
        after: expect.objectContaining({
          balance: expect.stringMatching(/^14\.9/),
          amount: expect.stringMatching(/^5/),
        }),
      },
      {
        args: ['orders', 'set', '--order', String(orderId), '--status', 'In progress'],
        action: 'order.set_status',
        subject: `order:${orderId}`,
        before: expect.objectContaining({ status: 'Pending' }),
        after: expect.objectContaining({ status: 'In progress' }),
      },
      {
        args: ['orders', 'set', '--order', String(orderId), '--status', 'Completed'],
        action: 'order.set_status',
        subject: `order:${orderId}`,
        before: expect.objectContaining({ status: 'In progress' }),
        after: expect.objectContaining({ status: 'Completed' }),
      },
      {
        args: ['users', 'create', '--username', supportName, '--role', 'support'],
        action: 'user.create',
        subject: 'user:',
        before: null,
        after: expect.objectContaining({ username: supportName, role: 'support' }),
      },
      {
        args: ['users', 'role', '--username', customer.username, '--role', 'support'],
        action: 'user.role',
        subject: `user:${customer.id}`,
        before: { role: 'customer' },
        after: { role: 'support' },
      },
      {
        args: ['users', 'role', '--username', customer.username, '--role', 'customer'],
        action: 'user.role',
        subject: `user:${customer.id}`,
        before: { role: 'support' },
        after: { role: 'customer' },
      },
    ];
    for (const c of cases) {
      const n = await count();
      await ok(...c.args);
      const all = await entries();
      expect(all.length, c.args.join(' ')).toBe(n + 1);
      const e = all.at(-1);
      if (!e) throw new Error('no entry');
      expect(Number(e.actor_id)).toBe(admin.id);
      expect(e.actor_kind).toBe('cli');
      expect(e.action).toBe(c.action);
      expect(`${e.subject_type}:${e.subject_id}`).toContain(c.subject);
      expect(e.before === null ? null : JSON.parse(e.before)).toEqual(c.before);
      expect(e.after === null ? null : JSON.parse(e.after)).toEqual(c.after);
    }
    // The refill of the completed order, moved by hand.
    const refill = Number(
      (await callApi(app, { key: customer.apiKey, action: 'refill', order: orderId })).body.refill,
    );
    const n = await count();
    await ok('refills', 'set', '--refill', String(refill), '--status', 'In progress');
    const last = (await entries()).at(-1);
    expect(await count()).toBe(n + 1);
    expect(last).toMatchObject({
      action: 'refill.set_status',
      subject_type: 'refill',
      subject_id: String(refill),
    });
    expect(JSON.parse(last?.after ?? 'null')).toEqual({ status: 'in_progress' });
  });

  it('every other operator command writes exactly one entry too: settings, services, rates, providers, alerts, tickets, users', async () => {
    const admin = await adminActor(db());
    const customer = await seedUser(db(), '1');
    const provider = (
      await ok(
        'providers',
        'add',
        '--name',
        uniqueName('p'),
        '--url',
        'https://up.example/api/v2',
        '--key',
        'ProvKey-Secret-1',
        '--no-check',
      )
    ).id as number;
    expect((await entries()).at(-1)).toMatchObject({ action: 'provider.add', subject_id: String(provider) });
    const service = (
      await ok(
        'services',
        'create',
        '--name',
        'Likes',
        '--category',
        'IG',
        '--rate',
        '2',
        '--min',
        '10',
        '--max',
        '100',
      )
    ).id as number;
    expect((await entries()).at(-1)).toMatchObject({ action: 'service.create', subject_id: String(service) });
    await raiseAlert(db(), { kind: 'test', message: 'look' });
    const alert = (await ok('alerts', 'list')).alerts.at(-1).id as number;
    const t = await openTicket({ db: db(), userId: customer.id, subject: 'order', message: 'Hello' });
    if (!t.ok) throw new Error(t.failure.code);
    const ticket = t.value.ticketId;
    const u = customer.username;
    const cases: [string[], string, string, unknown, unknown][] = [
      [
        ['settings', 'set', '--currency', 'EUR'],
        'settings.set',
        'settings:panel',
        { currency: 'USD' },
        { currency: 'EUR' },
      ],
      [
        ['settings', 'set', '--signup', 'closed'],
        'settings.set',
        'settings:panel',
        { signupOpen: true },
        { signupOpen: false },
      ],
      [
        ['services', 'update', '--service', String(service), '--rate', '3'],
        'service.update',
        `service:${service}`,
        { rate: '2' },
        { rate: '3' },
      ],
      [
        ['services', 'disable', '--service', String(service)],
        'service.disable',
        `service:${service}`,
        { enabled: true },
        { enabled: false },
      ],
      [
        ['services', 'enable', '--service', String(service)],
        'service.enable',
        `service:${service}`,
        { enabled: false },
        { enabled: true },
      ],
      [
        ['rates', 'set', '--username', u, '--service', String(service), '--rate', '1.5'],
        'rates.set',
        `user:${customer.id}`,
        { service, rate: null },
        { service, rate: '1.5' },
      ],
      [
        ['rates', 'clear', '--username', u, '--service', String(service)],
        'rates.clear',
        `user:${customer.id}`,
        { service, rate: '1.5' },
        { service, rate: null },
      ],
      [
        ['providers', 'set', '--provider', String(provider), '--send-limit', '3'],
        'provider.send_limit',
        `provider:${provider}`,
        { sendLimit: 1 },
        { sendLimit: 3 },
      ],
      [
        [
          'providers',
          'set',
          '--provider',
          String(provider),
          '--url',
          'https://up2.example/api/v2',
          '--no-check',
        ],
        'provider.update',
        `provider:${provider}`,
        { url: 'https://up.example/api/v2' },
        { url: 'https://up2.example/api/v2', keyChanged: false },
      ],
      [
        ['providers', 'disable', '--provider', String(provider)],
        'provider.disable',
        `provider:${provider}`,
        { state: 'active' },
        { state: 'disabled', requeued: 0 },
      ],
      [
        ['providers', 'enable', '--provider', String(provider)],
        'provider.enable',
        `provider:${provider}`,
        { state: 'disabled' },
        { state: 'active', requeued: 0 },
      ],
      [
        ['providers', 'resume', '--provider', String(provider)],
        'provider.resume',
        `provider:${provider}`,
        { state: 'active' },
        { state: 'active', requeued: 0 },
      ],
      [
        ['providers', 'remove', '--provider', String(provider)],
        'provider.remove',
        `provider:${provider}`,
        expect.objectContaining({ state: 'active' }),
        null,
      ],
      [
        ['alerts', 'resolve', '--alert', String(alert)],
        'alert.resolve',
        `alert:${alert}`,
        { resolved: false },
        { resolved: true },
      ],
      [
        ['tickets', 'reply', '--ticket', String(ticket), '--message', 'On it'],
        'ticket.reply',
        `ticket:${ticket}`,
        { state: 'open' },
        expect.objectContaining({ state: 'answered' }),
      ],
      [
        ['tickets', 'close', '--ticket', String(ticket)],
        'ticket.close',
        `ticket:${ticket}`,
        { state: 'answered' },
        { state: 'closed' },
      ],
      [
        ['users', 'disable', '--username', u],
        'user.disable',
        `user:${customer.id}`,
        { disabled: false },
        { disabled: true },
      ],
      [
        ['users', 'enable', '--username', u],
        'user.enable',
        `user:${customer.id}`,
        { disabled: true },
        { disabled: false },
      ],
      [
        ['users', 'password', '--username', u, '--password', 'Another-Secret-9'],
        'user.password_reset',
        `user:${customer.id}`,
        null,
        { generated: false, endedSessions: 0 },
      ],
      [
        ['users', 'key', '--username', u],
        'user.api_key_rotate',
        `user:${customer.id}`,
        null,
        { rotated: true },
      ],
      [
        ['users', 'email', '--username', u, '--email', `${u}@example.com`],
        'user.email',
        `user:${customer.id}`,
        { email: null },
        { email: `${u}@example.com`.toLowerCase() },
      ],
    ];
    for (const [args, action, subject, before, after] of cases) {
      const n = await count();
      await ok(...args);
      const all = await entries();
      expect(all.length, args.join(' ')).toBe(n + 1);
      const e = all.at(-1);
      if (!e) throw new Error('no entry');
      expect([e.action, `${e.subject_type}:${e.subject_id}`, Number(e.actor_id)], args.join(' ')).toEqual([
        action,
        subject,
        admin.id,
      ]);
      expect(e.before === null ? null : JSON.parse(e.before), args.join(' ')).toEqual(before);
      expect(e.after === null ? null : JSON.parse(e.after), args.join(' ')).toEqual(after);
    }
    await ok('settings', 'set', '--currency', 'USD', '--signup', 'open');
  });

  it('a refused command writes no entry', async () => {
    const customer = await seedUser(db(), '1');
    const n = await count();
    expect((await cli('funds', 'add', '--username', 'nobody_here', '--amount', '5')).code).toBe(1);
    expect((await cli('funds', 'add', '--username', customer.username, '--amount', '-50')).json()).toEqual({
      error: 'Not enough funds on balance',
    });
    expect((await cli('orders', 'set', '--order', '999999', '--status', 'Completed')).code).toBe(1);
    expect((await cli('users', 'role', '--username', 'nobody_here', '--role', 'admin')).code).toBe(1);
    expect(await count()).toBe(n);
  });

  it('support moves orders to Processing / In progress and refills, and is refused anything that settles money or changes funds or staff', async () => {
    const customer = await seedUser(db(), '10');
    const orderId = await placeOrder(customer.apiKey);
    const as = ['--as', supportName];
    const support = await db()
      .selectFrom('users')
      .select('id')
      .where('username', '=', supportName)
      .executeTakeFirstOrThrow();
    await ok(...as, 'orders', 'set', '--order', String(orderId), '--status', 'Processing');
    expect((await entries()).at(-1)).toMatchObject({ actor_id: support.id, action: 'order.set_status' });
    const n = await count();
    const balanceBefore = await ok('users', 'show', '--username', customer.username);
    for (const args of [
      ['orders', 'set', '--order', String(orderId), '--status', 'Completed'],
      ['orders', 'set', '--order', String(orderId), '--status', 'Canceled'],
      ['orders', 'set', '--order', String(orderId), '--status', 'Partial', '--remains', '5'],
      ['funds', 'add', '--username', customer.username, '--amount', '5'],
      ['users', 'role', '--username', customer.username, '--role', 'admin'],
      ['users', 'create', '--username', uniqueName(), '--role', 'admin'],
      ['audit', 'list'],
      ['settings', 'set', '--currency', 'EUR'],
      [
        'providers',
        'add',
        '--name',
        uniqueName('p'),
        '--url',
        'https://up.example/api/v2',
        '--key',
        'k1',
        '--no-check',
      ],
      ['services', 'create', '--name', 'X', '--category', 'Y', '--rate', '1', '--min', '1', '--max', '2'],
      ['rates', 'set', '--username', customer.username, '--service', String(serviceId), '--rate', '0.5'],
      ['users', 'key', '--username', customer.username],
      ['users', 'disable', '--username', customer.username],
      ['users', 'password', '--username', customer.username, '--password', 'Whatever-123'],
    ]) {
      const r = await cli(...as, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.json()).toEqual({ error: 'Not allowed for your role' });
    }
    expect(await count()).toBe(n);
    expect(await ok('users', 'show', '--username', customer.username)).toEqual(balanceBefore);
    const order = await ok('orders', 'show', '--order', String(orderId));
    expect(order.order.status).toBe('Processing');
    expect((await ok('settings', 'show')).currency).toBe('USD');

    // Support may still move a refill and answer a ticket, as itself.
    const done = await placeOrder(customer.apiKey);
    await ok('orders', 'set', '--order', String(done), '--status', 'Completed');
    const refill = Number(
      (await callApi(app, { key: customer.apiKey, action: 'refill', order: done })).body.refill,
    );
    await ok(...as, 'refills', 'set', '--refill', String(refill), '--status', 'In progress');
    expect((await entries()).at(-1)).toMatchObject({ actor_id: support.id, action: 'refill.set_status' });
    const t = await openTicket({ db: db(), userId: customer.id, subject: 'order', message: 'Hi' });
    if (!t.ok) throw new Error(t.failure.code);
    const reply = await ok(
      ...as,
      'tickets',
      'reply',
      '--ticket',
      String(t.value.ticketId),
      '--message',
      'Looking',
    );
    expect(reply.author).toBe(supportName);
    expect((await entries()).at(-1)).toMatchObject({ actor_id: support.id, action: 'ticket.reply' });
  });

  it('--as a customer or an unknown account is refused, and nothing is written', async () => {
    const customer = await seedUser(db(), '1');
    const n = await count();
    const r = await cli(
      '--as',
      customer.username,
      'funds',
      'add',
      '--username',
      customer.username,
      '--amount',
      '5',
    );
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ error: `${customer.username} is not a staff account (support or admin)` });
    expect((await cli('--as', 'nobody_here', 'audit', 'list')).json()).toEqual({ error: 'User not found' });
    expect(await count()).toBe(n);
  });

  it('the last admin cannot be demoted; with a second admin it can', async () => {
    const admin = await adminActor(db());
    const adminName = (
      await db().selectFrom('users').select('username').where('id', '=', admin.id).executeTakeFirstOrThrow()
    ).username;
    const admins = await db().selectFrom('users').select('id').where('role', '=', 'admin').execute();
    expect(admins).toHaveLength(1);
    const n = await count();
    expect((await cli('users', 'role', '--username', adminName, '--role', 'support')).json()).toEqual({
      error: 'This is the last admin; make another admin first',
    });
    expect(await count()).toBe(n);
    const second = uniqueName('admin');
    await ok('users', 'create', '--username', second, '--role', 'admin');
    await ok('--as', second, 'users', 'role', '--username', adminName, '--role', 'support');
    await ok('--as', second, 'users', 'role', '--username', adminName, '--role', 'admin');
  });

  it('audit list filters by actor, action prefix, subject and period, newest first, with keyset paging', async () => {
    const all = (await ok('audit', 'list', '--limit', '1000')).entries;
    expect(all.length).toBe(await count());
    expect(all.map((e: { id: number }) => e.id)).toEqual(
      [...all.map((e: { id: number }) => e.id)].sort((a, b) => b - a),
    );
    const funds = (await ok('audit', 'list', '--action', 'funds')).entries;
    expect(funds.length).toBeGreaterThan(0);
    expect(funds.every((e: { action: string }) => e.action.startsWith('funds.'))).toBe(true);
    expect((await ok('audit', 'list', '--action', 'fund')).entries).toEqual([]);
    const support = (await ok('audit', 'list', '--actor', supportName)).entries;
    expect(support.map((e: { action: string }) => e.action)).toEqual([
      'ticket.reply',
      'refill.set_status',
      'order.set_status',
    ]);
    const subject = support[0].subject as string;
    expect(
      (await ok('audit', 'list', '--subject', subject)).entries.every(
        (e: { subject: string }) => e.subject === subject,
      ),
    ).toBe(true);
    const page1 = await ok('audit', 'list', '--limit', '2');
    const page2 = await ok('audit', 'list', '--limit', '2', '--before-id', String(page1.nextBeforeId));
    expect(page2.entries[0].id).toBeLessThan(page1.entries[1].id);
    expect((await ok('audit', 'list', '--since', '2999-01-01')).entries).toEqual([]);
    expect((await ok('audit', 'list', '--until', '2000-01-01')).entries).toEqual([]);
    expect((await cli('audit', 'list', '--since', 'yesterday')).code).toBe(1);
  });

  it('no secret is kept: passwords, API keys and their hashes never appear in the log', async () => {
    const password = 'Very-Secret-Pass-123';
    const name = uniqueName('staff');
    const created = await ok(
      'users',
      'create',
      '--username',
      name,
      '--password',
      password,
      '--role',
      'support',
    );
    const hashes = await db()
      .selectFrom('users')
      .select(['password_hash', 'api_key_hash'])
      .where('username', '=', name)
      .executeTakeFirstOrThrow();
    await ok('settings', 'set', '--smtp-url', 'smtp://mailer:Smtp-Secret-77@mail.example:587');
    const rotated = await ok('users', 'key', '--username', name);
    await ok('users', 'password', '--username', name, '--password', 'Second-Secret-88');
    const p = await ok(
      'providers',
      'add',
      '--name',
      uniqueName('p'),
      '--url',
      'https://up.example/api/v2',
      '--key',
      'Prov-Secret-99',
      '--no-check',
    );
    await ok('providers', 'set', '--provider', String(p.id), '--key', 'Prov-Secret-100', '--no-check');
    await ok('settings', 'set', '--smtp-url', 'off');
    const text = JSON.stringify(await entries());
    expect(text).toContain(name);
    expect(text).toContain('mailer:****@mail.example');
    for (const secret of [
      password,
      created.apiKey,
      hashes.password_hash,
      hashes.api_key_hash,
      rotated.apiKey,
      'Second-Secret-88',
      'Smtp-Secret-77',
      'Prov-Secret-99',
      'Prov-Secret-100',
    ]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(String(secret));
    }
  });

  it('the log is append-only: the database refuses to update or delete an entry', async () => {
    const n = await count();
    expect(n).toBeGreaterThan(0);
    await expect(sql`update audit_log set action = 'x'`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(db())).rejects.toThrow(/append-only/);
    if (ctx().dialect === 'postgres')
      await expect(sql`truncate audit_log`.execute(db())).rejects.toThrow(/append-only/);
    expect(await count()).toBe(n);
  });
});
