/**
 * Support tickets through the web face (/api/web/tickets) on SQLite and Postgres: open, reply, close,
 * the state machine (open -> answered -> open -> closed, closed is final), every error answer, and
 * isolation: another customer's ticket is 404 exactly like a missing one, for every endpoint, and
 * orders named in a ticket must be the customer's own. (401 without a session and 403 without the
 * CSRF token for every tickets endpoint are in web-api.test.ts's ENDPOINTS.)
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeTicket } from '../src/tickets/close-ticket.js';
import { openTicket } from '../src/tickets/open-ticket.js';
import { replyToTicket } from '../src/tickets/reply-to-ticket.js';
import { showTicket } from '../src/tickets/show-ticket.js';
import { makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, type WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';

describeEachDb('web tickets', (ctx) => {
  let app: FastifyInstance;
  let serviceId: number;
  let staffId: number;

  beforeAll(async () => {
    app = await makeApi(ctx().db.db, {});
    serviceId = await seedService(ctx().db.db, { rate: '1', min: 10, max: 10000 });
    staffId = (await seedUser(ctx().db.db)).id;
  });
  afterAll(async () => {
    await app.close();
  });

  async function customer(balance = '100') {
    const u = await seedUser(ctx().db.db, balance);
    const c = await signedInClient(app, ctx().db.db, u.username, { password: PASSWORD });
    return { ...u, c };
  }

  async function placeOrder(c: WebClient, n: number): Promise<number> {
    const r = await c.post('/orders', {
      service: serviceId,
      link: 'https://x.com/a',
      quantity: '100',
      idempotencyKey: `ticket-order-${n}-${Math.floor(Math.random() * 1e9)}`,
    });
    expect(r.status).toBe(201);
    return r.body.order as number;
  }

  const staffReply = (ticketId: number, message: string) =>
    replyToTicket({
      db: ctx().db.db,
      ticketId,
      author: { staff: { id: staffId, kind: 'web', role: 'support' } },
      message,
    });

  it('a customer opens a ticket about their orders, support answers, the customer replies and closes it', async () => {
    const a = await customer();
    const o1 = await placeOrder(a.c, 1);
    const o2 = await placeOrder(a.c, 2);

    const opened = await a.c.post('/tickets', {
      subject: 'order',
      orderIds: [o2, o1, o2],
      message: '  My order has not started.\r\nCan you check?  ',
    });
    expect(opened.status).toBe(201);
    const id = opened.body.ticket as number;

    const list = await a.c.get('/tickets');
    expect(list.status).toBe(200);
    expect(list.body.tickets).toEqual([
      expect.objectContaining({
        id,
        subject: 'order',
        orderIds: [o1, o2].sort((x, y) => x - y),
        state: 'open',
      }),
    ]);

    const staff = await staffReply(id, 'It starts within the hour.');
    expect(staff).toMatchObject({ ok: true, value: { state: 'answered' } });

    const thread = await a.c.get(`/tickets/${id}`);
    expect(thread.status).toBe(200);
    expect(thread.body.ticket.state).toBe('answered');
    expect(
      thread.body.messages.map((m: { fromStaff: boolean; body: string }) => [m.fromStaff, m.body]),
    ).toEqual([
      [false, 'My order has not started.\nCan you check?'],
      [true, 'It starts within the hour.'],
    ]);
    // The customer never sees which operator account wrote.
    expect(JSON.stringify(thread.body)).not.toContain('author');

    const reply = await a.c.post(`/tickets/${id}/replies`, { message: 'Thanks, it started.' });
    expect(reply.status).toBe(201);
    expect(reply.body.state).toBe('open');
    expect((await a.c.get(`/tickets/${id}`)).body.messages).toHaveLength(3);

    const closed = await a.c.post(`/tickets/${id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ ok: true });
    expect((await a.c.get(`/tickets/${id}`)).body.ticket.state).toBe('closed');
  });

  it('a closed ticket is final: no reply from either side, no second close (409 ticket_closed)', async () => {
    const a = await customer();
    const id = (await a.c.post('/tickets', { subject: 'payment', message: 'Where is my deposit?' })).body
      .ticket;
    expect((await a.c.post(`/tickets/${id}/close`)).status).toBe(200);

    const again = await a.c.post(`/tickets/${id}/close`);
    expect([again.status, again.body.code]).toEqual([409, 'ticket_closed']);
    const reply = await a.c.post(`/tickets/${id}/replies`, { message: 'One more thing' });
    expect([reply.status, reply.body.code, reply.body.error]).toEqual([
      409,
      'ticket_closed',
      `Ticket ${id} is closed; open a new ticket`,
    ]);
    expect(await staffReply(id, 'Late answer')).toMatchObject({
      ok: false,
      failure: { code: 'ticket_closed' },
    });
    expect((await a.c.get(`/tickets/${id}`)).body.messages).toHaveLength(1);
  });

  it('refuses empty, too long and control-character messages with 422 invalid_ticket_message', async () => {
    const a = await customer();
    for (const message of ['', '   \n  ', 'x'.repeat(5001), 'tab\there', 'bell\u0007', 'nul\u0000']) {
      const r = await a.c.post('/tickets', { subject: 'other', message });
      expect([JSON.stringify(message).slice(0, 20), r.status, r.body.code]).toEqual([
        JSON.stringify(message).slice(0, 20),
        422,
        'invalid_ticket_message',
      ]);
    }
    // 5000 characters (not UTF-16 units) is the limit.
    expect((await a.c.post('/tickets', { subject: 'other', message: '😀'.repeat(5000) })).status).toBe(201);
    const id = (await a.c.post('/tickets', { subject: 'other', message: 'Hi' })).body.ticket;
    const r = await a.c.post(`/tickets/${id}/replies`, { message: ' ' });
    expect([r.status, r.body.code]).toEqual([422, 'invalid_ticket_message']);
    expect(r.body.error).toContain('1-5000 characters');
    expect((await a.c.get('/tickets')).body.tickets).toHaveLength(2);
  });

  it('refuses a bad subject or body shape with 400 bad_request', async () => {
    const a = await customer();
    for (const body of [
      { subject: 'refund', message: 'Hi' },
      { message: 'Hi' },
      { subject: 'order', message: 'Hi', orderIds: ['1'] },
      { subject: 'order', message: 'Hi', orderIds: Array.from({ length: 21 }, (_, i) => i + 1) },
      { subject: 'order' },
    ]) {
      const r = await a.c.post('/tickets', body);
      expect([r.status, r.body.code]).toEqual([400, 'bad_request']);
    }
    expect((await a.c.get('/tickets/abc')).status).toBe(400);
    expect((await a.c.get('/tickets')).body.tickets).toEqual([]);
  });

  it('isolation: another customer’s ticket is 404 unknown_ticket on every endpoint, like a missing one, and changes nothing', async () => {
    const a = await customer();
    const b = await customer();
    const id = (await a.c.post('/tickets', { subject: 'other', message: 'Private question' })).body.ticket;

    for (const [who, ticket] of [
      ['another customer', id],
      ['missing', id + 1_000_000],
    ] as const) {
      const show = await b.c.get(`/tickets/${ticket}`);
      const reply = await b.c.post(`/tickets/${ticket}/replies`, { message: 'Sneaky' });
      const close = await b.c.post(`/tickets/${ticket}/close`);
      for (const r of [show, reply, close])
        expect([who, r.status, r.body]).toEqual([
          who,
          404,
          { error: 'Ticket not found', code: 'unknown_ticket' },
        ]);
    }
    expect((await b.c.get('/tickets')).body.tickets).toEqual([]);
    const thread = await a.c.get(`/tickets/${id}`);
    expect(thread.body.ticket.state).toBe('open');
    expect(thread.body.messages).toHaveLength(1);
  });

  it('isolation: a ticket can name only the customer’s own orders (another’s is 404 unknown_order, like a missing one)', async () => {
    const a = await customer();
    const b = await customer();
    const mine = await placeOrder(a.c, 3);
    const theirs = await placeOrder(b.c, 4);
    for (const orderIds of [[theirs], [mine, theirs], [theirs + 1_000_000]]) {
      const r = await a.c.post('/tickets', { subject: 'order', orderIds, message: 'About these' });
      expect([r.status, r.body.code, r.body.error]).toEqual([404, 'unknown_order', 'Incorrect order ID']);
    }
    expect((await a.c.get('/tickets')).body.tickets).toEqual([]);
    expect((await a.c.post('/tickets', { subject: 'order', orderIds: [mine], message: 'Mine' })).status).toBe(
      201,
    );
  });

  it('lists only the customer’s own tickets, newest first', async () => {
    const a = await customer();
    const b = await customer();
    const first = (await a.c.post('/tickets', { subject: 'other', message: 'One' })).body.ticket;
    await b.c.post('/tickets', { subject: 'other', message: 'Not yours' });
    const second = (await a.c.post('/tickets', { subject: 'payment', message: 'Two' })).body.ticket;
    expect((await a.c.get('/tickets')).body.tickets.map((t: { id: number }) => t.id)).toEqual([
      second,
      first,
    ]);
  });

  it('the use case refuses what the form cannot send: an unknown subject, more than 20 orders', async () => {
    const u = await seedUser(ctx().db.db);
    const db = ctx().db.db;
    expect(await openTicket({ db, userId: u.id, subject: 'refund', message: 'Hi' })).toEqual({
      ok: false,
      failure: { code: 'invalid_ticket_subject' },
    });
    const many = Array.from({ length: 21 }, (_, i) => i + 1);
    expect(await openTicket({ db, userId: u.id, subject: 'order', orderIds: many, message: 'Hi' })).toEqual({
      ok: false,
      failure: { code: 'too_many_ids', max: 20 },
    });
  });

  it('a close racing replies from both sides: closed wins for good, and no reply lands after it', async () => {
    const a = await customer();
    const db = ctx().db.db;
    const id = (await a.c.post('/tickets', { subject: 'other', message: 'Race' })).body.ticket as number;
    const replies = Array.from({ length: 12 }, (_, i) =>
      replyToTicket({
        db,
        ticketId: id,
        author: i % 2 === 0 ? { customerId: a.id } : { staff: { id: staffId, kind: 'web', role: 'support' } },
        message: `reply ${i}`,
      }),
    );
    const [closed, ...answers] = await Promise.all([
      closeTicket({ db, ticketId: id, by: { customerId: a.id } }),
      ...replies,
    ]);
    expect(closed.ok).toBe(true);
    const accepted = answers.filter((r) => r.ok).length;
    for (const r of answers) if (!r.ok) expect(r.failure.code).toBe('ticket_closed');
    const thread = await showTicket({ db, ticketId: id, by: { staff: true } });
    if (!thread.ok) throw new Error('ticket vanished');
    expect(thread.value.ticket.state).toBe('closed');
    // Every accepted reply is in the thread, every refused one is not.
    expect(thread.value.messages).toHaveLength(1 + accepted);
  });
});
