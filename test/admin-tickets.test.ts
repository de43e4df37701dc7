/**
 * The admin area's ticket inbox (/api/admin/tickets) on SQLite and Postgres: who may call it (no
 * session 401, a customer 403, support and admin allowed), the inbox order (open first, most recently
 * updated) and its pages, unread counts (a customer message raises them, a staff member opening the
 * ticket clears them), the thread with who wrote each staff reply, the user and the orders named,
 * reply and close through the shared use cases with their audit entries, and every error answer.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const A = '/api/admin';

describeEachDb('admin tickets inbox', (ctx) => {
  let app: FastifyInstance;
  let serviceId: number;
  let admin: WebClient;
  let support: WebClient;
  let supportName: string;
  let noSession: WebClient;
  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const username = uniqueName(role);
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, role } });
    if (!r.ok) throw new Error(r.failure.code);
    return { username, c: await signedInClient(app, db(), username) };
  }

  async function customer() {
    const u = await seedUser(db(), '100');
    return { ...u, c: await signedInClient(app, db(), u.username) };
  }

  async function audit() {
    const r = await listAudit({ db: db(), actor: await adminActor(db()), filter: { limit: 200 } });
    if (!r.ok) throw new Error(r.failure.code);
    return r.value.entries;
  }

  async function open(c: WebClient, message = 'where is my order?', orderIds: number[] = []) {
    const r = await c.post('/tickets', { subject: 'order', message, orderIds });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.ticket as number;
  }

  async function inboxRow(c: WebClient, id: number) {
    const r = await c.get(`${A}/tickets?limit=100`);
    expect(r.status).toBe(200);
    return {
      row: r.body.tickets.find((t: { id: number }) => t.id === id),
      unreadTickets: r.body.unreadTickets,
    };
  }

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    serviceId = await seedService(db(), { rate: '1', min: 10, max: 10000 });
    admin = (await staff('admin')).c;
    const s = await staff('support');
    support = s.c;
    supportName = s.username;
    noSession = new WebClient(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('no session 401, a customer 403 on every endpoint; nothing changes', async () => {
    const cu = await customer();
    const id = await open(cu.c);
    const before = (await audit()).length;
    const endpoints: [m: 'get' | 'post', path: string, body?: unknown][] = [
      ['get', `${A}/tickets`],
      ['get', `${A}/tickets/${id}`],
      ['post', `${A}/tickets/${id}/replies`, { message: 'hi' }],
      ['post', `${A}/tickets/${id}/close`],
    ];
    for (const [who, c, status, code] of [
      ['none', noSession, 401, 'no_session'],
      ['customer', cu.c, 403, 'forbidden'],
    ] as const) {
      for (const [m, p, b] of endpoints) {
        const r = m === 'get' ? await c.get(p) : await c.post(p, b);
        expect([who, p, r.status, r.body.code]).toEqual([who, p, status, code]);
      }
    }
    expect((await audit()).length).toBe(before);
    expect((await cu.c.get(`/tickets/${id}`)).body.ticket.state).toBe('open');
    for (const [m, p, b] of endpoints) {
      if (m !== 'post') continue;
      const r = await support.post(p, b, { csrf: false });
      expect([p, r.status, r.body.code]).toEqual([p, 403, 'csrf']);
    }
    expect((await audit()).length).toBe(before);
    expect((await cu.c.get(`/tickets/${id}`)).body.messages).toHaveLength(1);
  });

  it('support answers from the inbox: unread goes up with a customer message and down when staff open it', async () => {
    const cu = await customer();
    const order = (
      await cu.c.post('/orders', {
        service: serviceId,
        link: 'https://x.com/a',
        quantity: '100',
        idempotencyKey: uniqueName('k'),
      })
    ).body.order as number;
    const id = await open(cu.c, 'my order is slow', [order]);
    let seen = await inboxRow(support, id);
    expect(seen.row).toMatchObject({
      id,
      user: cu.username,
      userId: cu.id,
      subject: 'order',
      orderIds: [order],
      state: 'open',
      unread: 1,
    });
    const unreadBefore = seen.unreadTickets;
    expect(unreadBefore).toBeGreaterThanOrEqual(1);

    const thread = await support.get(`${A}/tickets/${id}`);
    expect(thread.status).toBe(200);
    expect(thread.body.ticket).toMatchObject({ id, userId: cu.id, user: cu.username, orderIds: [order] });
    expect(thread.body.messages).toEqual([
      {
        id: expect.any(Number),
        author: cu.username,
        fromStaff: false,
        body: 'my order is slow',
        createdAt: expect.any(String),
      },
    ]);
    seen = await inboxRow(admin, id); // read by any staff member is read for all
    expect(seen.row.unread).toBe(0);
    expect(seen.unreadTickets).toBe(unreadBefore - 1);

    const auditBefore = (await audit()).length;
    const reply = await support.post(`${A}/tickets/${id}/replies`, { message: 'It is on its way.' });
    expect([reply.status, reply.body]).toEqual([200, { message: expect.any(Number), state: 'answered' }]);
    const entries = await audit();
    expect(entries.length).toBe(auditBefore + 1);
    expect(entries[0]).toMatchObject({
      actor: supportName,
      via: 'web',
      action: 'ticket.reply',
      subject: `ticket:${id}`,
      before: { state: 'open' },
      after: { state: 'answered' },
    });
    // The customer sees "staff", staff see who answered.
    expect((await cu.c.get(`/tickets/${id}`)).body.messages[1]).toMatchObject({
      fromStaff: true,
      body: 'It is on its way.',
    });
    expect((await admin.get(`${A}/tickets/${id}`)).body.messages[1]).toMatchObject({
      author: supportName,
      fromStaff: true,
    });
    // Staff's own reply is not unread; the customer's next two messages are.
    expect((await inboxRow(admin, id)).row.unread).toBe(0);
    expect((await cu.c.post(`/tickets/${id}/replies`, { message: 'thanks' })).status).toBe(201);
    expect((await cu.c.post(`/tickets/${id}/replies`, { message: 'and one more' })).status).toBe(201);
    seen = await inboxRow(support, id);
    expect(seen.row).toMatchObject({ state: 'open', unread: 2 });
    expect(seen.unreadTickets).toBe(unreadBefore);
    await support.get(`${A}/tickets/${id}`);
    expect((await inboxRow(support, id)).row.unread).toBe(0);

    const closed = await support.post(`${A}/tickets/${id}/close`);
    expect([closed.status, closed.body]).toEqual([200, { id }]);
    expect((await audit())[0]).toMatchObject({
      action: 'ticket.close',
      subject: `ticket:${id}`,
      after: { state: 'closed' },
    });
    const n = (await audit()).length;
    const again = await support.post(`${A}/tickets/${id}/close`);
    expect([again.status, again.body.code]).toEqual([409, 'ticket_closed']);
    const late = await support.post(`${A}/tickets/${id}/replies`, { message: 'late' });
    expect([late.status, late.body.code]).toEqual([409, 'ticket_closed']);
    expect((await audit()).length).toBe(n);
  });

  it('the inbox: open first, then answered, then closed, most recently updated first, in pages; a state filter', async () => {
    const cu = await customer();
    const answered = await open(cu.c, 'one');
    const closed = await open(cu.c, 'two');
    const old = await open(cu.c, 'three');
    const recent = await open(cu.c, 'four');
    expect((await admin.post(`${A}/tickets/${answered}/replies`, { message: 'ok' })).status).toBe(200);
    expect((await admin.post(`${A}/tickets/${closed}/close`)).status).toBe(200);
    expect((await admin.post(`${A}/tickets/${old}/replies`, { message: 'x' })).status).toBe(200);
    expect((await cu.c.post(`/tickets/${old}/replies`, { message: 'back to open' })).status).toBe(201);

    const all: { id: number; state: string; updatedAt: string }[] = [];
    let before: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r = await admin.get(`${A}/tickets?limit=2${before ? `&before=${before}` : ''}`);
      expect(r.status).toBe(200);
      all.push(...r.body.tickets);
      before = r.body.nextBefore;
      if (!before) break;
    }
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    const rank = { open: 0, answered: 1, closed: 2 } as Record<string, number>;
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1];
      const b = all[i];
      if (!a || !b) throw new Error('gap');
      const ok =
        (rank[a.state] ?? 9) < (rank[b.state] ?? 9) ||
        (a.state === b.state && (a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.id > b.id)));
      expect(ok, `${JSON.stringify(a)} before ${JSON.stringify(b)}`).toBe(true);
    }
    const mine = all.filter((t) => [answered, closed, old, recent].includes(t.id)).map((t) => t.id);
    expect(mine).toEqual([old, recent, answered, closed]);

    const onlyAnswered = (await admin.get(`${A}/tickets?state=answered&limit=100`)).body.tickets;
    expect(onlyAnswered.every((t: { state: string }) => t.state === 'answered')).toBe(true);
    expect(onlyAnswered.map((t: { id: number }) => t.id)).toContain(answered);
  });

  it('bad input and unknown tickets', async () => {
    const cu = await customer();
    const id = await open(cu.c);
    const n = (await audit()).length;
    for (const [path, status, code] of [
      [`${A}/tickets?before=nope`, 400, 'bad_request'],
      [`${A}/tickets?state=pending`, 400, 'bad_request'],
      [`${A}/tickets/999999`, 404, 'unknown_ticket'],
      [`${A}/tickets/abc`, 400, 'bad_request'],
    ] as const) {
      const r = await support.get(path);
      expect([path, r.status, r.body.code]).toEqual([path, status, code]);
    }
    for (const [path, body, status, code] of [
      [`${A}/tickets/${id}/replies`, { message: '   ' }, 422, 'invalid_ticket_message'],
      [`${A}/tickets/${id}/replies`, {}, 400, 'bad_request'],
      [`${A}/tickets/999999/replies`, { message: 'hi' }, 404, 'unknown_ticket'],
      [`${A}/tickets/999999/close`, undefined, 404, 'unknown_ticket'],
    ] as const) {
      const r = await support.post(path, body);
      expect([path, r.status, r.body.code]).toEqual([path, status, code]);
    }
    expect((await audit()).length).toBe(n);
    expect((await support.get(`${A}/tickets/${id}`)).body.ticket.state).toBe('open');
  });
});
