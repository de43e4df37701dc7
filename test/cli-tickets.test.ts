/**
 * The operator's ticket commands, run in-process with captured output on SQLite and Postgres:
 * list (with --state and a header line), show (the thread), reply (as staff: the first admin account
 * or --as USERNAME; from --message or --message-stdin) and close; each error answer with exit code 1,
 * and a bad usage with 64.
 */
import { beforeAll, expect, it } from 'vitest';
import { openTicket } from '../src/tickets/open-ticket.js';
import { seedUser } from './helpers/api.js';
import { cliJsonInProcess, runCliInProcess } from './helpers/cli.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('CLI tickets', (ctx) => {
  let admin: string;

  const cli = (args: string[], extra: { stdin?: string } = {}) => runCliInProcess(ctx().url, args, extra);
  const ok = (...args: string[]) => cliJsonInProcess(ctx().url, args);
  /** A customer's new ticket. */
  async function ticket(message = 'My order is stuck', subject = 'order') {
    const u = await seedUser(ctx().db.db);
    const r = await openTicket({ db: ctx().db.db, userId: u.id, subject, message });
    if (!r.ok) throw new Error(r.failure.code);
    return { id: r.value.ticketId, username: u.username };
  }

  beforeAll(async () => {
    // The first admin account of this database: the one the CLI writes as by default.
    admin = `admin_${process.pid}`;
    await ok('users', 'create', '--username', admin, '--admin');
  });

  it('tickets list shows every ticket newest first with a header line, and --state filters', async () => {
    expect((await cli(['tickets', 'list'])).out).toEqual(['no tickets']);
    const a = await ticket('First');
    const b = await ticket('Second', 'payment');
    await ok('tickets', 'reply', '--ticket', String(a.id), '--message', 'Looking into it');

    const all = await ok('tickets', 'list');
    expect(all.tickets.map((t: { id: number; state: string }) => [t.id, t.state])).toEqual([
      [b.id, 'open'],
      [a.id, 'answered'],
    ]);
    const human = await cli(['tickets', 'list', '--state', 'open']);
    expect(human.code).toBe(0);
    expect(human.out[0]).toBe('id\tuser\tsubject\tstate\torders\tupdated');
    expect(human.out.slice(1).map((l) => l.split('\t').slice(0, 5))).toEqual([
      [String(b.id), b.username, 'payment', 'open', '-'],
    ]);
    expect((await cli(['tickets', 'list', '--state', 'closed'])).out).toEqual(['no closed tickets']);
    const bad = await cli(['tickets', 'list', '--state', 'pending']);
    expect([bad.code, bad.err.join(' ')]).toEqual([1, expect.stringContaining('unknown state "pending"')]);
  });

  it('tickets reply answers as staff (the first admin, or --as), from --message or several lines of stdin', async () => {
    const t = await ticket();
    const r1 = await ok('tickets', 'reply', '--ticket', String(t.id), '--message', 'We restarted it.');
    expect(r1).toMatchObject({ ticket: t.id, state: 'answered', author: admin });

    const other = { username: `support_${process.pid}` };
    await ok('users', 'create', '--username', other.username, '--role', 'support');
    const r2 = await cli(
      ['tickets', 'reply', '--ticket', String(t.id), '--as', other.username, '--message-stdin'],
      {
        stdin: 'Line one\nLine two\n',
      },
    );
    expect([r2.code, r2.out]).toEqual([0, [`ticket ${t.id}: replied as ${other.username}, now answered`]]);

    const shown = await ok('tickets', 'show', '--ticket', String(t.id));
    expect(
      shown.messages.map((m: { author: string; fromStaff: boolean; body: string }) => [
        m.author,
        m.fromStaff,
        m.body,
      ]),
    ).toEqual([
      [t.username, false, 'My order is stuck'],
      [admin, true, 'We restarted it.'],
      [other.username, true, 'Line one\nLine two'],
    ]);
  });

  it('tickets show prints the ticket and its thread for people', async () => {
    const t = await ticket('Where is\nmy refill?');
    await ok('tickets', 'reply', '--ticket', String(t.id), '--message', 'Sent.');
    const r = await cli(['tickets', 'show', '--ticket', String(t.id)]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`ticket ${t.id}\tuser ${t.username}\tsubject order\tstate answered`);
    expect(r.out).toContain('  Where is');
    expect(r.out).toContain('  my refill?');
    expect(r.out.some((l) => l.endsWith(`\t${admin} (staff)`))).toBe(true);
    expect(r.out.at(-1)).toBe('  Sent.');
  });

  it('tickets close closes a ticket; closed is final for close and reply', async () => {
    const t = await ticket();
    expect((await cli(['tickets', 'close', '--ticket', String(t.id)])).out).toEqual([
      `ticket ${t.id}: closed`,
    ]);
    const again = await cli(['tickets', 'close', '--ticket', String(t.id)]);
    expect([again.code, again.err]).toEqual([1, [`smm-panel: Ticket ${t.id} is closed; open a new ticket`]]);
    const reply = await cli(['tickets', 'reply', '--ticket', String(t.id), '--message', 'Late']);
    expect([reply.code, reply.err]).toEqual([1, [`smm-panel: Ticket ${t.id} is closed; open a new ticket`]]);
    expect((await ok('tickets', 'show', '--ticket', String(t.id))).ticket.state).toBe('closed');
  });

  it('each error: unknown ticket, unknown --as user, bad message, message given twice or not at all, bad id', async () => {
    const t = await ticket();
    for (const args of [
      ['tickets', 'show', '--ticket', '999999'],
      ['tickets', 'reply', '--ticket', '999999', '--message', 'Hi'],
      ['tickets', 'close', '--ticket', '999999'],
    ]) {
      const r = await cli(args);
      expect([args[1], r.code, r.err]).toEqual([args[1], 1, ['smm-panel: Ticket not found']]);
    }
    const as = await cli([
      'tickets',
      'reply',
      '--ticket',
      String(t.id),
      '--as',
      'nobody_here',
      '--message',
      'Hi',
    ]);
    expect([as.code, as.err]).toEqual([1, ['smm-panel: User not found']]);
    const empty = await cli(['tickets', 'reply', '--ticket', String(t.id), '--message', '  ']);
    expect([empty.code, empty.err.join('')]).toEqual([1, expect.stringContaining('1-5000 characters')]);
    const long = await cli(['tickets', 'reply', '--ticket', String(t.id), '--message-stdin'], {
      stdin: 'x'.repeat(5001),
    });
    expect([long.code, long.err.join('')]).toEqual([1, expect.stringContaining('1-5000 characters')]);
    const twice = await cli(
      ['tickets', 'reply', '--ticket', String(t.id), '--message', 'a', '--message-stdin'],
      {
        stdin: 'b',
      },
    );
    expect([twice.code, twice.err]).toEqual([
      1,
      ['smm-panel: give the message one way only: --message or --message-stdin'],
    ]);
    const none = await cli(['tickets', 'reply', '--ticket', String(t.id)]);
    expect([none.code, none.err]).toEqual([
      1,
      ['smm-panel: give the message: --message TEXT or --message-stdin'],
    ]);
    const badId = await cli(['tickets', 'show', '--ticket', 'abc']);
    expect(badId.code).toBe(1);
    const missing = await cli(['tickets', 'show']);
    expect(missing.code).toBe(64);
    // Nothing of the refused replies was recorded.
    expect((await ok('tickets', 'show', '--ticket', String(t.id))).messages).toHaveLength(1);
  });
});
