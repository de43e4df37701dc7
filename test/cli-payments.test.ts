/**
 * `smm-panel payments` run in-process on both databases: list (filtered by state and user, JSON and
 * the human table), approve with what arrived (partial when short), reject, reverse (a chargeback,
 * with a shortfall when the balance cannot cover it), each one use case acting as the CLI's staff
 * member (audited as `cli`). The balances are read from the ledger; refusals exit 1 with one line,
 * bad arguments 64; support staff (--as) may list but not decide.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { createPaymentMethod } from '../src/payments/manage-payment-methods.js';
import { SecretBox } from '../src/payments/secret-box.js';
import { startPayment } from '../src/payments/start-payment.js';
import { adminActor } from './helpers/actor.js';
import { seedUser, uniqueName } from './helpers/api.js';
import { cliJsonInProcess, runCliInProcess } from './helpers/cli.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('CLI payments', (ctx) => {
  const db = () => ctx().db.db;
  const cli = (...args: string[]) => runCliInProcess(ctx().url, args);
  const ok = (...args: string[]) => cliJsonInProcess(ctx().url, args);
  const box = SecretBox.ephemeral();
  let methodId = 0;
  let supportName = '';

  beforeAll(async () => {
    const actor = await adminActor(db());
    const m = await createPaymentMethod({
      db: db(),
      box,
      actor,
      kind: 'manual',
      input: {
        name: 'Bank transfer',
        instructions: 'IBAN ...',
        min: '1',
        max: '1000',
        adjustPercent: '5',
        enabled: true,
        settings: {},
      },
    });
    if (!m.ok) throw new Error(JSON.stringify(m.failure));
    methodId = m.value.id;
    supportName = uniqueName('sup');
    const s = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: supportName, role: 'support' },
    });
    if (!s.ok) throw new Error(s.failure.code);
  });

  async function pay(userId: number, amount: string, reference = `wire ${amount}`): Promise<number> {
    const r = await startPayment({ db: db(), box, userId, methodId, amount, reference });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    return r.value.id;
  }

  async function balance(username: string): Promise<string> {
    return (await ok('funds', 'history', '--username', username)).balance;
  }

  const auditOf = (id: number) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'actor_kind', 'note'])
      .where('subject_type', '=', 'payment')
      .where('subject_id', '=', String(id))
      .orderBy('id')
      .execute();

  it('payments list: newest first, by state and by user; a table for people', async () => {
    const a = await seedUser(db());
    const b = await seedUser(db());
    const a1 = await pay(a.id, '10');
    const b1 = await pay(b.id, '20');
    const a2 = await pay(a.id, '30');

    const mine = await ok('payments', 'list', '--user', a.username);
    expect(mine.payments.map((p: { id: number }) => p.id)).toEqual([a2, a1]);
    expect(mine.payments[0]).toMatchObject({
      username: a.username,
      method: 'Bank transfer',
      state: 'pending',
      amount: '30.00',
      received: null,
      credited: '0.00',
      reference: 'wire 30',
    });
    const pending = await ok('payments', 'list', '--state', 'pending');
    const ids = pending.payments.map((p: { id: number }) => p.id);
    expect(ids).toEqual(expect.arrayContaining([a1, b1, a2]));
    expect(ids).toEqual([...ids].sort((x: number, y: number) => y - x));
    expect((await ok('payments', 'list', '--user', 'nobody_at_all')).payments).toEqual([]);
    expect((await ok('payments', 'list', '--user', a.username, '--limit', '1')).payments).toHaveLength(1);

    const human = await cli('payments', 'list', '--user', b.username);
    expect(human.code).toBe(0);
    expect(human.out[0]).toBe('id\tcreated\tuser\tmethod\tstate\tamount\treceived\tcredited\treference');
    expect(human.out[1]).toMatch(
      new RegExp(
        `^${b1}\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+\\t${b.username}\\tBank transfer\\tpending\\t20.00\\t-\\t0.00\\twire 20$`,
      ),
    );
    expect((await cli('payments', 'list', '--user', b.username, '--state', 'rejected')).out).toEqual([
      'no rejected payments',
    ]);

    const bad = await cli('--json', 'payments', 'list', '--state', 'paid');
    expect(bad.code).toBe(1);
    expect(bad.json().error).toBe(
      'unknown state "paid" (use pending, completed, partial, rejected, expired, failed, reversed)',
    );
  });

  it('payments approve: credits what arrived with the bonus, once; short is partial; audited as cli', async () => {
    const u = await seedUser(db());
    const full = await pay(u.id, '10');
    const short = await pay(u.id, '40');

    const r = await ok('payments', 'approve', String(full), '--note', 'seen on the statement');
    expect(r.payment).toMatchObject({
      id: full,
      state: 'completed',
      received: '10.00',
      credited: '10.50', // 5 % bonus
      note: 'seen on the statement',
    });
    expect(await balance(u.username)).toBe('10.50');

    const human = await cli('payments', 'approve', String(short), '--received', '25.5');
    expect(human.code).toBe(0);
    expect(human.out).toEqual([
      `payment ${short} (${u.username}, Bank transfer): partial; amount 40.00, received 25.50, credited 26.775 USD`,
    ]);
    expect(await balance(u.username)).toBe('37.275');

    // A second approval is refused and credits nothing.
    const again = await cli('payments', 'approve', String(full));
    expect(again.code).toBe(1);
    expect(again.err).toEqual([`smm-panel: Payment ${full} is completed, not pending`]);
    expect(await balance(u.username)).toBe('37.275');
    expect(await auditOf(full)).toEqual([
      { action: 'payment.approve', actor_kind: 'cli', note: 'seen on the statement' },
    ]);

    const badAmount = await cli(
      '--json',
      'payments',
      'approve',
      String(await pay(u.id, '5')),
      '--received',
      '1.234',
    );
    expect([badAmount.code, badAmount.json().error]).toEqual([1, 'Enter an amount like 10 or 10.50']);
    const unknown = await cli('--json', 'payments', 'approve', '99999999');
    expect([unknown.code, unknown.json().error]).toEqual([1, 'Unknown payment']);
    const notId = await cli('payments', 'approve', 'abc');
    expect(notId.code).toBe(1);
    expect(notId.err[0]).toContain('payment id must be a whole number');
    expect((await cli('payments', 'approve')).code).toBe(64);
  });

  it('payments reject: nothing credited, the note kept; a rejected payment cannot be approved', async () => {
    const u = await seedUser(db());
    const id = await pay(u.id, '15');
    const r = await ok('payments', 'reject', String(id), '--note', 'no such transfer');
    expect(r.payment).toMatchObject({ id, state: 'rejected', credited: '0.00', note: 'no such transfer' });
    expect(await balance(u.username)).toBe('0.00');
    const approve = await cli('payments', 'approve', String(id));
    expect([approve.code, approve.err]).toEqual([1, [`smm-panel: Payment ${id} is rejected, not pending`]]);
    expect(await auditOf(id)).toEqual([
      { action: 'payment.reject', actor_kind: 'cli', note: 'no such transfer' },
    ]);
  });

  it('payments reverse: takes the credit back as far as the balance covers; the rest is the shortfall', async () => {
    const u = await seedUser(db());
    const covered = await pay(u.id, '10');
    await ok('payments', 'approve', String(covered));
    const spent = await pay(u.id, '20');
    await ok('payments', 'approve', String(spent)); // balance 10.50 + 21.00

    // --note is required.
    expect((await cli('payments', 'reverse', String(covered))).code).toBe(64);
    const r = await ok('payments', 'reverse', String(covered), '--note', 'chargeback');
    expect(r.payment).toMatchObject({ state: 'reversed', reversed: '10.50', shortfall: '0.00' });
    expect(await balance(u.username)).toBe('21.00');

    // The customer spends part of the second credit; its reversal takes what is left.
    await ok('funds', 'add', '--username', u.username, '--amount', '-15');
    const human = await cli('payments', 'reverse', String(spent), '--note', 'bounced');
    expect(human.code).toBe(0);
    expect(human.out).toEqual([
      `payment ${spent} (${u.username}, Bank transfer): reversed; amount 20.00, received 20.00, credited 21.00, reversed 6.00, shortfall 15.00 USD`,
    ]);
    expect(await balance(u.username)).toBe('0.00');

    const twice = await cli('payments', 'reverse', String(spent), '--note', 'again');
    expect(twice.code).toBe(1);
    expect(twice.err[0]).toContain(`Payment ${spent} is reversed`);
    const pending = await pay(u.id, '3');
    const notCredited = await cli('payments', 'reverse', String(pending), '--note', 'x');
    expect([notCredited.code, notCredited.err[0]]).toEqual([
      1,
      `smm-panel: Payment ${pending} is pending: only a completed or partially paid payment can be reversed`,
    ]);
    expect((await auditOf(spent)).map((a) => a.action)).toEqual(['payment.approve', 'payment.reverse']);
  });

  it('support staff (--as) may list payments but not decide them', async () => {
    const u = await seedUser(db());
    const id = await pay(u.id, '12');
    const list = await ok('--as', supportName, 'payments', 'list', '--user', u.username);
    expect(list.payments.map((p: { id: number }) => p.id)).toEqual([id]);
    for (const args of [
      ['approve', String(id)],
      ['reject', String(id)],
      ['reverse', String(id), '--note', 'x'],
    ]) {
      const r = await cli('--json', '--as', supportName, 'payments', ...args);
      expect([r.code, r.json().error]).toEqual([
        1,
        expect.stringMatching(/not allowed|forbidden|permission/i),
      ]);
    }
    expect((await ok('payments', 'list', '--user', u.username)).payments[0].state).toBe('pending');
  });
});

describe('payments help', () => {
  it('lists the four subcommands', async () => {
    const r = await runCliInProcess('sqlite::memory:', ['payments', '--help']);
    const text = r.out.join('\n');
    for (const c of ['list', 'approve', 'reject', 'reverse']) expect(text).toContain(c);
  });
});
