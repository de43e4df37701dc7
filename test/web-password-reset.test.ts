/**
 * Password reset by e-mail (and by the operator) on SQLite and Postgres, through the web face with a
 * real SMTP server on 127.0.0.1 collecting the mails: a link arrives, works once, for an hour, ends
 * every session; the answer never tells whether an account exists; no SMTP means "ask the operator";
 * limits; a dead SMTP server changes nothing for the caller and is logged without secrets. Also the
 * customer's e-mail (sign-up, account page) and the CLI's settings and `users email`.
 */

import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completePasswordReset } from '../src/accounts/complete-password-reset.js';
import { createUser } from '../src/accounts/create-user.js';
import { requestPasswordReset } from '../src/accounts/request-password-reset.js';
import { resetPassword } from '../src/accounts/reset-password.js';
import { setUserDisabled } from '../src/accounts/set-user-disabled.js';
import { SYSTEM } from '../src/audit/actor.js';
import { buildServer } from '../src/http/server.js';
import { mailErrorText } from '../src/mail/mailer.js';
import { type MailSettings, setMailSettings } from '../src/settings/settings.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, uniqueName } from './helpers/api.js';
import { runCliInProcess } from './helpers/cli.js';
import { describeEachDb } from './helpers/db.js';
import { type MailSink, resetLinkOf, startMailSink } from './helpers/smtp.js';
import { WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const PUBLIC_URL = 'https://panel.example';

/** A port nothing listens on: opened, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 1;
}

describeEachDb('password reset', (ctx) => {
  let app: FastifyInstance;
  let sink: MailSink;
  const db = () => ctx().db.db;
  const mailOn = (extra: Partial<MailSettings> = {}) =>
    setMailSettings(db(), {
      smtpUrl: sink.url,
      publicUrl: PUBLIC_URL,
      mailFrom: 'support@panel.example',
      ...extra,
    });

  beforeAll(async () => {
    sink = await startMailSink();
    app = await makeApi(db(), {});
    // The CLI acts as the first admin (audit log).
    await adminActor(db());
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });
  afterEach(async () => {
    await mailOn();
  });

  async function customer(opts: { email?: string | null } = {}) {
    const username = uniqueName('r');
    const email = opts.email === null ? undefined : (opts.email ?? `${username}@Example.com`);
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, password: PASSWORD, email } });
    if (!r.ok) throw new Error(r.failure.code);
    return { id: r.value.id, username, email: email?.toLowerCase() ?? null };
  }

  async function signedIn(username: string) {
    const c = new WebClient(app);
    expect((await c.signIn(username, PASSWORD)).status).toBe(200);
    return c;
  }

  it('a mailed link sets a new password once, ends every session, and the old password stops working', async () => {
    await mailOn();
    const u = await customer();
    const phone = await signedIn(u.username);
    const laptop = await signedIn(u.username);

    const visitor = new WebClient(app);
    expect((await visitor.get('/panel')).body.passwordResetByMail).toBe(true);
    const seen = sink.mails.length;
    const asked = await visitor.post('/auth/forgot-password', { login: ` ${u.email?.toUpperCase()} ` });
    expect([asked.status, asked.body]).toEqual([202, { ok: true }]);

    const mail = await sink.nextMail(seen);
    expect(mail.to).toEqual([u.email]);
    expect(mail.from).toBe('support@panel.example');
    expect(mail.text).toMatch(/Subject: Reset your password/);
    const { link, token } = resetLinkOf(mail);
    expect(link.startsWith(`${PUBLIC_URL}/reset-password?token=`)).toBe(true);
    // Only the token's hash is stored.
    const rows = await db().selectFrom('password_resets').selectAll().where('user_id', '=', u.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(token);

    const weak = await visitor.post('/auth/reset-password', { token, newPassword: 'short' });
    expect([weak.status, weak.body.code]).toEqual([422, 'weak_password']);
    const done = await visitor.post('/auth/reset-password', { token, newPassword: NEW_PASSWORD });
    expect([done.status, done.body]).toEqual([200, { ok: true }]);

    expect((await phone.get('/me')).status).toBe(401);
    expect((await laptop.get('/me')).status).toBe(401);
    expect((await new WebClient(app).signIn(u.username, PASSWORD)).status).toBe(401);
    expect((await new WebClient(app).signIn(u.username, NEW_PASSWORD)).status).toBe(200);

    const again = await visitor.post('/auth/reset-password', { token, newPassword: 'yet another password' });
    expect([again.status, again.body.code]).toEqual([422, 'invalid_reset_token']);
    expect((await new WebClient(app).signIn(u.username, NEW_PASSWORD)).status).toBe(200);
  });

  it('only the newest link works, and a link is refused once its hour is over', async () => {
    await mailOn();
    const u = await customer();
    const c = new WebClient(app);
    const first = sink.mails.length;
    expect((await c.post('/auth/forgot-password', { login: u.username })).status).toBe(202);
    const older = resetLinkOf(await sink.nextMail(first)).token;
    expect((await c.post('/auth/forgot-password', { login: u.username })).status).toBe(202);
    const newer = resetLinkOf(await sink.nextMail(first + 1)).token;
    expect(newer).not.toBe(older);

    const stale = await c.post('/auth/reset-password', { token: older, newPassword: NEW_PASSWORD });
    expect([stale.status, stale.body.code]).toEqual([422, 'invalid_reset_token']);

    const inAnHour = Date.now() + 60 * 60_000 + 1000;
    const expired = await completePasswordReset({
      db: db(),
      token: newer,
      newPassword: NEW_PASSWORD,
      now: inAnHour,
    });
    expect(expired).toEqual({ ok: false, failure: { code: 'invalid_reset_token' } });
    // The same token a minute from now still works: only the time made the difference.
    const inTime = await completePasswordReset({ db: db(), token: newer, newPassword: NEW_PASSWORD });
    expect(inTime.ok).toBe(true);

    for (const token of ['', 'x'.repeat(43), 'x'.repeat(150)]) {
      const r = await c.post('/auth/reset-password', { token: token || 'y', newPassword: NEW_PASSWORD });
      expect([token.length, r.status, r.body.code]).toEqual([token.length, 422, 'invalid_reset_token']);
    }
  });

  it('unknown users, users without an e-mail and disabled users get the same answer and no mail', async () => {
    await mailOn();
    const noEmail = await customer({ email: null });
    const disabled = await customer();
    expect(
      (
        await setUserDisabled({
          db: db(),
          actor: await adminActor(db()),
          username: disabled.username,
          disabled: true,
        })
      ).ok,
    ).toBe(true);
    const real = await customer();
    const c = new WebClient(app);
    const before = sink.mails.length;
    for (const login of [
      'nobody_here_at_all',
      'nobody@example.com',
      noEmail.username,
      disabled.username,
      disabled.email as string,
    ]) {
      const r = await c.post('/auth/forgot-password', { login });
      expect([login, r.status, r.body]).toEqual([login, 202, { ok: true }]);
    }
    expect((await c.post('/auth/forgot-password', { login: real.username })).status).toBe(202);
    const mail = await sink.nextMail(before);
    // The first mail after those requests is the real user's, and it is the only one.
    expect(mail.to).toEqual([real.email]);
    expect(sink.mails.length).toBe(before + 1);
    // A token issued before the user was disabled does not work after.
    const later = await customer();
    const seen = sink.mails.length;
    expect((await c.post('/auth/forgot-password', { login: later.username })).status).toBe(202);
    const { token } = resetLinkOf(await sink.nextMail(seen));
    await setUserDisabled({
      db: db(),
      actor: await adminActor(db()),
      username: later.username,
      disabled: true,
    });
    const r = await c.post('/auth/reset-password', { token, newPassword: NEW_PASSWORD });
    expect([r.status, r.body.code]).toEqual([422, 'invalid_reset_token']);
  });

  it('without SMTP or a public address the panel says to ask the operator (409 reset_unavailable)', async () => {
    const u = await customer();
    const c = new WebClient(app);
    for (const settings of [
      { smtpUrl: null },
      { publicUrl: null },
      { smtpUrl: null, publicUrl: null },
    ] as Partial<MailSettings>[]) {
      await mailOn(settings);
      expect((await c.get('/panel')).body.passwordResetByMail).toBe(false);
      const before = sink.mails.length;
      const r = await c.post('/auth/forgot-password', { login: u.username });
      expect([r.status, r.body.code]).toEqual([409, 'reset_unavailable']);
      expect(r.body.error).toMatch(/ask the operator/i);
      const unknown = await c.post('/auth/forgot-password', { login: 'nobody_here_at_all' });
      expect([unknown.status, unknown.body.code]).toEqual([409, 'reset_unavailable']);
      expect(sink.mails.length).toBe(before);
    }
  });

  it('requests are limited per login and per address (429), and mails per account', async () => {
    await mailOn();
    const limited = await buildServer({
      db: db(),
      logLevel: 'silent',
      resetLimits: { perAccount: 2, perAddress: 4, windowMs: 60_000 },
    });
    try {
      const u = await customer();
      const c = new WebClient(limited);
      const answers: number[] = [];
      for (let i = 0; i < 3; i++)
        answers.push((await c.post('/auth/forgot-password', { login: u.username })).status);
      expect(answers).toEqual([202, 202, 429]);
      const over = await c.post('/auth/forgot-password', { login: 'nobody_here_at_all' });
      expect(over.status).toBe(202);
      const byAddress = await c.post('/auth/forgot-password', { login: 'someone_else_entirely' });
      expect([byAddress.status, byAddress.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(byAddress.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }

    // Whoever asks, one account gets at most 3 mails an hour.
    const v = await customer();
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const r = await requestPasswordReset({ db: db(), login: i % 2 ? v.username : (v.email as string) });
      if (!r.ok) throw new Error(r.failure.code);
      outcomes.push(await r.value.delivery);
    }
    expect(outcomes.map((o) => (o.sent ? 'sent' : o.reason))).toEqual(['sent', 'sent', 'sent', 'limited']);
  });

  it('a dead SMTP server: the same answer, nothing crashes, the failure is logged without secrets', async () => {
    const port = await closedPort();
    await mailOn({ smtpUrl: `smtp://mailer:s3cret-smtp-pw@127.0.0.1:${port}` });
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        for (const w of waiters.splice(0)) w();
        cb();
      },
    });
    const logged = await buildServer({ db: db(), logLevel: 'info', logStream });
    try {
      const u = await customer();
      const c = new WebClient(logged);
      const r = await c.post('/auth/forgot-password', { login: u.email });
      expect([r.status, r.body]).toEqual([202, { ok: true }]);
      const failedLine = () => lines.find((l) => l.includes('password reset mail failed'));
      while (!failedLine()) await new Promise<void>((w) => waiters.push(w));
      const line = JSON.parse(failedLine() as string);
      expect(line).toMatchObject({
        level: 40,
        user: u.id,
        error: expect.stringMatching(/ECONNREFUSED|ESOCKET|ECONNECTION/),
      });
      const all = lines.join('\n');
      expect(all).not.toContain('s3cret-smtp-pw');
      expect(all).not.toContain(u.email);
      expect(all).not.toContain('token');
      // The panel still answers.
      expect((await c.get('/panel')).status).toBe(200);
    } finally {
      await logged.close();
    }
  });

  it('the operator reset (users password) ends every session and any live link', async () => {
    await mailOn();
    const u = await customer();
    const c = await signedIn(u.username);
    const seen = sink.mails.length;
    expect((await new WebClient(app).post('/auth/forgot-password', { login: u.username })).status).toBe(202);
    const { token } = resetLinkOf(await sink.nextMail(seen));
    const r = await resetPassword({
      db: db(),
      actor: await adminActor(db()),
      username: u.username,
      password: NEW_PASSWORD,
    });
    expect(r.ok && r.value.endedSessions).toBe(1);
    expect((await c.get('/me')).status).toBe(401);
    const late = await new WebClient(app).post('/auth/reset-password', {
      token,
      newPassword: 'other password 1',
    });
    expect([late.status, late.body.code]).toEqual([422, 'invalid_reset_token']);
    expect((await new WebClient(app).signIn(u.username, NEW_PASSWORD)).status).toBe(200);
  });

  it('a customer gives an e-mail at sign-up and changes it on the account page with the password', async () => {
    const username = uniqueName('s');
    const c = new WebClient(app);
    const up = await c.post('/auth/sign-up', {
      username,
      password: PASSWORD,
      email: ` ${username}@Mail.Example.com `,
    });
    expect([up.status, up.body.email]).toEqual([201, `${username}@mail.example.com`.toLowerCase()]);
    const other = await customer();

    const taken = await new WebClient(app).post('/auth/sign-up', {
      username: uniqueName('t'),
      password: PASSWORD,
      email: other.email,
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'email_taken']);
    const bad = await new WebClient(app).post('/auth/sign-up', {
      username: uniqueName('t'),
      password: PASSWORD,
      email: 'not-an-email',
    });
    expect([bad.status, bad.body.code]).toEqual([422, 'invalid_email']);

    const wrong = await c.post('/account/email', {
      currentPassword: 'wrong password',
      email: 'new@example.com',
    });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'wrong_password']);
    const invalid = await c.post('/account/email', { currentPassword: PASSWORD, email: 'a@b' });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'invalid_email']);
    const clash = await c.post('/account/email', {
      currentPassword: PASSWORD,
      email: other.email?.toUpperCase(),
    });
    expect([clash.status, clash.body.code]).toEqual([409, 'email_taken']);
    expect((await c.get('/me')).body.email).toBe(`${username}@mail.example.com`.toLowerCase());

    const changed = await c.post('/account/email', {
      currentPassword: PASSWORD,
      email: 'New.Address@Example.com',
    });
    expect([changed.status, changed.body]).toEqual([200, { email: 'new.address@example.com' }]);
    expect((await c.get('/me')).body.email).toBe('new.address@example.com');
    const removed = await c.post('/account/email', { currentPassword: PASSWORD, email: '' });
    expect([removed.status, removed.body]).toEqual([200, { email: null }]);
    expect((await c.get('/me')).body.email).toBeNull();
    // Another customer's session changes only its own e-mail.
    expect((await (await signedIn(other.username)).get('/me')).body.email).toBe(other.email);
  });

  const cli = (...args: string[]) => runCliInProcess(ctx().url, args);

  it('CLI: settings set/show the mail settings, never print the SMTP password, and refuse bad values whole', async () => {
    const set = await cli(
      '--json',
      'settings',
      'set',
      '--smtp-url',
      'smtps://bob:hunter2secret@mail.example:465',
      '--mail-from',
      'help@panel.example',
      '--public-url',
      'https://panel.example/',
    );
    expect(set.code).toBe(0);
    expect(set.json()).toEqual({
      'smtp-url': 'smtps://bob:****@mail.example:465',
      'mail-from': 'help@panel.example',
      'public-url': 'https://panel.example',
    });
    const shown = await cli('settings', 'show');
    expect(shown.out.join('\n')).toContain('smtp-url: smtps://bob:****@mail.example:465');
    expect(shown.out.join('\n')).toContain('password reset by mail: on');
    const json = await cli('--json', 'settings', 'show');
    expect(json.json()).toMatchObject({
      smtpUrl: 'smtps://bob:****@mail.example:465',
      publicUrl: 'https://panel.example',
      passwordResetByMail: true,
    });
    expect(JSON.stringify([set, shown, json])).not.toContain('hunter2secret');

    for (const bad of [
      ['--smtp-url', 'http://mail.example'],
      ['--smtp-url', 'not a url'],
      ['--public-url', 'ftp://panel.example'],
      ['--public-url', 'https://panel.example/?next=x'],
      ['--mail-from', 'nobody'],
      ['--currency', 'EUR', '--smtp-url', 'mail.example:25'],
    ]) {
      const r = await cli('settings', 'set', ...bad);
      expect([bad, r.code, r.err.length]).toEqual([bad, 1, 1]);
      expect(r.err[0]).not.toContain('\n');
    }
    // Nothing changed by the refused commands, not even the currency given beside a bad URL.
    expect((await cli('--json', 'settings', 'show')).json()).toMatchObject({
      currency: 'USD',
      smtpUrl: 'smtps://bob:****@mail.example:465',
    });

    expect((await cli('--json', 'settings', 'set', '--smtp-url', 'off')).json()).toEqual({
      'smtp-url': 'off',
    });
    expect((await cli('--json', 'settings', 'show')).json()).toMatchObject({
      smtpUrl: 'off',
      passwordResetByMail: false,
    });
  });

  it('CLI: users create --email and users email set, clear and refuse', async () => {
    const username = uniqueName('c');
    expect(
      (await cli('users', 'create', '--username', username, '--email', `${username}@Example.com`)).code,
    ).toBe(0);
    expect((await cli('--json', 'users', 'show', '--username', username)).json().email).toBe(
      `${username}@example.com`.toLowerCase(),
    );
    const other = uniqueName('c');
    expect((await cli('users', 'create', '--username', other)).code).toBe(0);
    const taken = await cli('users', 'email', '--username', other, '--email', `${username}@example.com`);
    expect([taken.code, taken.err]).toEqual([
      1,
      ['smm-panel: This e-mail is already used by another account'],
    ]);
    const bad = await cli('users', 'email', '--username', other, '--email', 'nope');
    expect(bad.code).toBe(1);
    const neither = await cli('users', 'email', '--username', other);
    expect(neither.code).toBe(1);
    expect(
      (await cli('--json', 'users', 'email', '--username', other, '--email', 'Other@Example.com')).json(),
    ).toEqual({ username: other, email: 'other@example.com' });
    expect((await cli('users', 'email', '--username', other, '--clear')).out).toEqual([
      `${other} has no e-mail now`,
    ]);
    const missing = await cli('users', 'email', '--username', 'nobody_at_all', '--clear');
    expect(missing.code).toBe(1);
  });
});

describe('mail errors in logs', () => {
  it('never carry the SMTP password or an e-mail address', () => {
    const err = Object.assign(
      new Error(
        'all recipients were rejected: 550 <bob@example.com>: no such user (smtp://u:pw-secret@mail.example)',
      ),
      { code: 'EENVELOPE' },
    );
    const text = mailErrorText(err);
    expect(text).toMatch(/^EENVELOPE: all recipients were rejected: 550 <<address>>/);
    expect(text).not.toContain('bob@example.com');
    expect(text).not.toContain('pw-secret');
  });
});
