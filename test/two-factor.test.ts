/**
 * Two-factor sign-in through HTTP on SQLite and Postgres: setup (secret, URI, QR code), turning on with
 * a right code only, sign-in asking for the code, a code working once, recovery codes working once,
 * the pending token's expiry and tries, turning off with password and code, an admin's reset of a
 * user's two-factor (audited), and `staff-two-factor required` closing /api/admin to staff without it.
 */

import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { listAudit } from '../src/audit/list-audit.js';
import { main } from '../src/cli/main.js';
import { buildServer } from '../src/http/server.js';
import { adminActor } from './helpers/actor.js';
import { seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const A = '/api/admin';

/** The code of `secret` `steps` time steps from now (the server accepts -1, 0 and +1). */
function codeAt(secret: string, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
}

/** A scenario needs a few seconds inside one time step: wait past a step's end when it is near. */
async function awayFromStepEdge(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 24_000) await new Promise((r) => setTimeout(r, 30_000 - into + 200));
}

describeEachDb('two-factor sign-in', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  const db = () => ctx().db.db;

  beforeAll(async () => {
    // Many sign-ins from one address here: only the per-account limit is tested.
    app = await buildServer({
      db: db(),
      logLevel: 'silent',
      rateLimitPerMinute: 1_000_000,
      signInLimits: { perAccount: 10, perAddress: 100_000, windowMs: 15 * 60_000 },
    });
    await app.ready();
    await adminActor(db());
    const a = await createUser({ db: db(), actor: SYSTEM, input: { username: 'tf_admin', role: 'admin' } });
    if (!a.ok) throw new Error(a.failure.code);
    admin = await signedInClient(app, db(), 'tf_admin', { password: PASSWORD });
  });
  afterAll(async () => {
    await app.close();
  });

  /** A signed-in user who turned two-factor on with the code of the previous step. */
  async function withTwoFactor(role: 'customer' | 'support' | 'admin' = 'customer') {
    const username = `tf_${role}_${Math.random().toString(36).slice(2, 8)}`;
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username, role } });
    if (!r.ok) throw new Error(r.failure.code);
    const c = await signedInClient(app, db(), username, { password: PASSWORD });
    const setup = await c.post('/account/two-factor/setup');
    expect(setup.status).toBe(200);
    const secret = setup.body.secret as string;
    const on = await c.post('/account/two-factor/enable', { code: await codeAt(secret, -1) });
    expect(on.status).toBe(200);
    return { id: r.value.id, username, c, secret, recoveryCodes: on.body.recoveryCodes as string[] };
  }

  it('setup answers a secret, its otpauth URI and an SVG QR code; it is not on until a right code', async () => {
    await awayFromStepEdge();
    const u = await seedUser(db());
    const c = await signedInClient(app, db(), u.username, { password: PASSWORD });
    expect((await c.get('/account/two-factor')).body).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
      requiredForYou: false,
    });
    expect((await c.post('/account/two-factor/enable', { code: '123456' })).body.code).toBe(
      'two_factor_not_started',
    );
    const setup = await c.post('/account/two-factor/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(setup.body.uri).toContain(`otpauth://totp/`);
    expect(setup.body.uri).toContain(`secret=${setup.body.secret}`);
    expect(setup.body.uri).toContain(encodeURIComponent(u.username));
    expect(setup.body.qrSvg).toMatch(/^<svg[^>]*>/);
    // Pending: sign-in still needs no code.
    const plain = await new WebClient(app).signIn(u.username, PASSWORD);
    expect(plain.status).toBe(200);
    expect(plain.body.username).toBe(u.username);

    const wrongCode = (Number(await codeAt(setup.body.secret)) + 1) % 1_000_000;
    const wrong = await c.post('/account/two-factor/enable', { code: String(wrongCode).padStart(6, '0') });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'wrong_two_factor_code']);
    expect((await c.post('/account/two-factor/enable', { code: 'abc' })).body.code).toBe(
      'wrong_two_factor_code',
    );
    expect((await c.get('/account/two-factor')).body.enabled).toBe(false);

    const on = await c.post('/account/two-factor/enable', { code: await codeAt(setup.body.secret) });
    expect(on.status).toBe(200);
    expect(on.body.recoveryCodes).toHaveLength(10);
    expect(new Set(on.body.recoveryCodes).size).toBe(10);
    // Turning it on ended the other session, kept this one.
    expect(on.body.endedSessions).toBe(1);
    const status = (await c.get('/account/two-factor')).body;
    expect(status).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    expect((await c.get('/me')).body).toMatchObject({ twoFactor: true, twoFactorSetupNeeded: false });
    // Never shown again: a second setup is refused while it is on.
    expect((await c.post('/account/two-factor/setup')).body.code).toBe('two_factor_on');
  });

  it('sign-in asks for the code; a right code opens a session, the same code again is refused', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const c = new WebClient(app);
    const first = await c.signIn(u.username, PASSWORD);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ twoFactor: 'required', token: expect.any(String) });
    expect(c.cookies.has('smm_session')).toBe(false);
    expect((await c.get('/me')).status).toBe(401);
    // A wrong password still says nothing about two-factor.
    expect((await new WebClient(app).signIn(u.username, 'wrong password')).body.code).toBe(
      'invalid_credentials',
    );

    // The code used to turn it on (previous step) is refused: its step is used.
    const old = await c.post('/auth/two-factor', {
      token: first.body.token,
      code: await codeAt(u.secret, -1),
    });
    expect([old.status, old.body.code]).toEqual([422, 'wrong_two_factor_code']);
    const code = await codeAt(u.secret);
    const ok = await c.post('/auth/two-factor', { token: first.body.token, code });
    expect(ok.status).toBe(200);
    expect(ok.body.username).toBe(u.username);
    expect((await c.get('/me')).body.username).toBe(u.username);
    // The token is used up; a new sign-in with the same code is a replay.
    expect((await c.post('/auth/two-factor', { token: first.body.token, code })).body.code).toBe(
      'invalid_two_factor_token',
    );
    const again = new WebClient(app);
    const second = await again.signIn(u.username, PASSWORD);
    const replay = await again.post('/auth/two-factor', { token: second.body.token, code });
    expect([replay.status, replay.body.code]).toEqual([422, 'wrong_two_factor_code']);
    expect((await again.get('/me')).status).toBe(401);
    // The next step's code works (window of one step).
    const next = await again.post('/auth/two-factor', {
      token: second.body.token,
      code: await codeAt(u.secret, 1),
    });
    expect(next.status).toBe(200);
    // Neither code nor recovery code, or both: 400.
    const third = await new WebClient(app).signIn(u.username, PASSWORD);
    expect((await again.post('/auth/two-factor', { token: third.body.token })).status).toBe(400);
    expect(
      (await again.post('/auth/two-factor', { token: third.body.token, code: '1', recoveryCode: 'x' }))
        .status,
    ).toBe(400);
  });

  it('a recovery code signs in once; the count goes down; new codes replace the old', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const c = new WebClient(app);
    const t1 = (await c.signIn(u.username, PASSWORD)).body.token;
    const rc = u.recoveryCodes[3] as string;
    const used = await c.post('/auth/two-factor', { token: t1, recoveryCode: rc.toUpperCase() });
    expect(used.status).toBe(200);
    expect((await c.get('/account/two-factor')).body.recoveryCodesLeft).toBe(9);
    const d = new WebClient(app);
    const t2 = (await d.signIn(u.username, PASSWORD)).body.token;
    expect((await d.post('/auth/two-factor', { token: t2, recoveryCode: rc })).body.code).toBe(
      'wrong_two_factor_code',
    );
    expect((await d.post('/auth/two-factor', { token: t2, recoveryCode: 'nope-nope' })).body.code).toBe(
      'wrong_two_factor_code',
    );
    // New codes need a code; the old ones stop working.
    expect((await c.post('/account/two-factor/recovery-codes', { code: '000000' })).body.code).toBe(
      'wrong_two_factor_code',
    );
    const fresh = await c.post('/account/two-factor/recovery-codes', { code: await codeAt(u.secret) });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    expect(
      (await d.post('/auth/two-factor', { token: t2, recoveryCode: u.recoveryCodes[0] })).body.code,
    ).toBe('wrong_two_factor_code');
    const t3 = (await d.signIn(u.username, PASSWORD)).body.token;
    expect(
      (await d.post('/auth/two-factor', { token: t3, recoveryCode: fresh.body.recoveryCodes[0] })).status,
    ).toBe(200);
  });

  it('the pending token takes 5 tries, then is dead even for a right code; an unknown token is refused', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const c = new WebClient(app);
    const token = (await c.signIn(u.username, PASSWORD)).body.token;
    for (let i = 0; i < 5; i++)
      expect((await c.post('/auth/two-factor', { token, code: '000000' })).body.code).toBe(
        'wrong_two_factor_code',
      );
    const late = await c.post('/auth/two-factor', { token, code: await codeAt(u.secret) });
    expect([late.status, late.body.code]).toEqual([401, 'invalid_two_factor_token']);
    expect((await c.post('/auth/two-factor', { token: 'x'.repeat(43), code: '000000' })).body.code).toBe(
      'invalid_two_factor_token',
    );
    expect((await c.get('/me')).status).toBe(401);
  });

  it('the pending token expires after 5 minutes', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const c = new WebClient(app);
    const token = (await c.signIn(u.username, PASSWORD)).body.token;
    // Age the challenge by 5 minutes in the database (the clock of the server is real).
    await db()
      .updateTable('two_factor_challenges')
      .set({ expires_at: Date.now() - 1 })
      .where('user_id', '=', u.id)
      .execute();
    const r = await c.post('/auth/two-factor', { token, code: await codeAt(u.secret) });
    expect([r.status, r.body.code]).toEqual([401, 'invalid_two_factor_token']);
  });

  it('turning off needs the password and a code; it ends other sessions', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const other = new WebClient(app);
    const t = (await other.signIn(u.username, PASSWORD)).body.token;
    expect((await other.post('/auth/two-factor', { token: t, code: await codeAt(u.secret) })).status).toBe(
      200,
    );
    const wrongPw = await u.c.post('/account/two-factor/disable', {
      password: 'not it',
      code: await codeAt(u.secret, 1),
    });
    expect([wrongPw.status, wrongPw.body.code]).toEqual([422, 'wrong_password']);
    const wrongCode = await u.c.post('/account/two-factor/disable', { password: PASSWORD, code: '000000' });
    expect([wrongCode.status, wrongCode.body.code]).toEqual([422, 'wrong_two_factor_code']);
    expect((await u.c.post('/account/two-factor/disable', { password: PASSWORD })).status).toBe(400);
    expect((await u.c.get('/account/two-factor')).body.enabled).toBe(true);
    const off = await u.c.post('/account/two-factor/disable', {
      password: PASSWORD,
      code: await codeAt(u.secret, 1),
    });
    expect(off.status).toBe(200);
    expect(off.body.endedSessions).toBe(1);
    expect((await other.get('/me')).status).toBe(401);
    expect((await u.c.get('/account/two-factor')).body).toMatchObject({
      enabled: false,
      recoveryCodesLeft: 0,
    });
    const plain = await new WebClient(app).signIn(u.username, PASSWORD);
    expect(plain.body.username).toBe(u.username);
    expect(
      (await u.c.post('/account/two-factor/disable', { password: PASSWORD, code: '000000' })).body.code,
    ).toBe('two_factor_off');
  });

  it('an admin turns off a user’s two-factor (audited, sessions ended); support and customers may not', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor();
    const support = await withTwoFactor('support');
    const customer = await signedInClient(app, db(), (await seedUser(db())).username, { password: PASSWORD });
    const path = `${A}/users/${u.id}/two-factor/reset`;
    expect((await new WebClient(app).post(path, {})).status).toBe(401);
    expect((await customer.post(path, {})).body.code).toBe('forbidden');
    expect((await support.c.post(path, {})).body.code).toBe('forbidden');
    expect((await u.c.get('/account/two-factor')).body.enabled).toBe(true);
    const r = await admin.post(path, { note: 'lost phone, checked by call' });
    expect(r.status).toBe(200);
    expect(r.body.endedSessions).toBe(1);
    expect((await u.c.get('/me')).status).toBe(401);
    const plain = await new WebClient(app).signIn(u.username, PASSWORD);
    expect(plain.body.username).toBe(u.username);
    const log = await listAudit({
      db: db(),
      actor: await adminActor(db()),
      filter: { actionPrefix: 'user.two_factor_reset', subject: `user:${u.id}`, limit: 50 },
    });
    if (!log.ok) throw new Error(log.failure.code);
    expect(log.value.entries).toEqual([
      expect.objectContaining({
        actor: 'tf_admin',
        via: 'web',
        before: { twoFactor: true },
        after: { twoFactor: false, endedSessions: 1 },
        note: 'lost phone, checked by call',
      }),
    ]);
    expect(JSON.stringify(log.value.entries)).not.toContain(u.secret);
    const again = await admin.post(path, {});
    expect([again.status, again.body.code]).toEqual([409, 'two_factor_off']);
    expect((await admin.post(`${A}/users/99999999/two-factor/reset`, {})).status).toBe(404);
  });

  it('staff-two-factor required: staff without it get 403 two_factor_required on /api/admin, with it 200', async () => {
    await awayFromStepEdge();
    const withIt = await withTwoFactor('support');
    const s = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: 'tf_bare_support', role: 'support' },
    });
    if (!s.ok) throw new Error(s.failure.code);
    const bare = await signedInClient(app, db(), 'tf_bare_support', { password: PASSWORD });
    expect((await bare.get(`${A}/users`)).status).toBe(200);
    // The admin page turns it on (and the admin itself has no two-factor: it is then locked out too).
    const set = await admin.post(`${A}/settings`, { staffTwoFactorRequired: true });
    expect(set.status).toBe(200);
    expect(set.body.changed).toEqual(['staffTwoFactorRequired']);
    expect(set.body.settings.staffTwoFactorRequired).toBe(true);
    try {
      const refused = await bare.get(`${A}/users`);
      expect([refused.status, refused.body.code]).toEqual([403, 'two_factor_required']);
      expect((await bare.get('/me')).body).toMatchObject({ twoFactor: false, twoFactorSetupNeeded: true });
      expect((await bare.get('/account/two-factor')).body.requiredForYou).toBe(true);
      expect((await withIt.c.get(`${A}/users`)).status).toBe(200);
      expect((await withIt.c.get('/me')).body.twoFactorSetupNeeded).toBe(false);
      expect((await admin.get(`${A}/settings`)).body.code).toBe('two_factor_required');
      // The staff member can still set it up from the Account page, then the admin area opens.
      const setup = await bare.post('/account/two-factor/setup');
      expect(
        (await bare.post('/account/two-factor/enable', { code: await codeAt(setup.body.secret) })).status,
      ).toBe(200);
      expect((await bare.get(`${A}/users`)).status).toBe(200);
      // Customers are not affected.
      const customer = await signedInClient(app, db(), (await seedUser(db())).username, {
        password: PASSWORD,
      });
      expect((await customer.get('/me')).body.twoFactorSetupNeeded).toBe(false);
    } finally {
      const { updateSettings } = await import('../src/settings/update-settings.js');
      await updateSettings({
        db: db(),
        actor: await adminActor(db()),
        changes: { staffTwoFactorRequired: false },
      });
    }
    const log = await listAudit({
      db: db(),
      actor: await adminActor(db()),
      filter: { actionPrefix: 'settings.set', limit: 50 },
    });
    if (!log.ok) throw new Error(log.failure.code);
    expect(
      log.value.entries.some((e) => (e.after as Record<string, unknown>)?.staffTwoFactorRequired === true),
    ).toBe(true);
  });

  it('the CLI sets staff-two-factor required|optional and shows it; a bad value changes nothing', async () => {
    async function cli(...args: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['--json', ...args], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { DATABASE_URL: ctx().url },
      });
      return { code, json: () => JSON.parse(out.join('\n')), text: [...out, ...err].join('\n') };
    }
    const s = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: 'tf_cli_support', role: 'support' },
    });
    if (!s.ok) throw new Error(s.failure.code);
    const c = await signedInClient(app, db(), 'tf_cli_support', { password: PASSWORD });
    const bad = await cli('settings', 'set', '--staff-two-factor', 'always');
    expect(bad.code).not.toBe(0);
    expect(bad.text).toContain('staff-two-factor must be required or optional');
    expect((await cli('settings', 'show')).json().staffTwoFactor).toBe('optional');
    try {
      const on = await cli('settings', 'set', '--staff-two-factor', 'required');
      expect(on.code).toBe(0);
      expect(on.json()).toEqual({ 'staff-two-factor': 'required' });
      expect((await cli('settings', 'show')).json().staffTwoFactor).toBe('required');
      expect((await c.get(`${A}/users`)).body.code).toBe('two_factor_required');
    } finally {
      expect((await cli('settings', 'set', '--staff-two-factor', 'optional')).code).toBe(0);
    }
    expect((await c.get(`${A}/users`)).status).toBe(200);
  });

  it('the CLI turns off a user’s two-factor (the admin locked out of the web), audited via cli', async () => {
    await awayFromStepEdge();
    const u = await withTwoFactor('admin');
    const out: string[] = [];
    const code = await main(
      ['--json', 'users', 'two-factor-off', '--username', u.username, '--note', 'lost phone'],
      {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        env: { DATABASE_URL: ctx().url },
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({ username: u.username, twoFactor: false, endedSessions: 1 });
    const plain = await new WebClient(app).signIn(u.username, PASSWORD);
    expect(plain.body.username).toBe(u.username);
    const log = await listAudit({
      db: db(),
      actor: await adminActor(db()),
      filter: { actionPrefix: 'user.two_factor_reset', subject: `user:${u.id}`, limit: 50 },
    });
    if (!log.ok) throw new Error(log.failure.code);
    expect(log.value.entries).toEqual([expect.objectContaining({ via: 'cli', note: 'lost phone' })]);
    const again = await main(['users', 'two-factor-off', '--username', u.username], {
      out: () => {},
      err: () => {},
      env: { DATABASE_URL: ctx().url },
    });
    expect(again).not.toBe(0);
  });

  describe('the sign-in limiter counts code tries per account', () => {
    it('after the account’s tries are used up, 429 with retry-after', async () => {
      await awayFromStepEdge();
      const u = await withTwoFactor();
      const c = new WebClient(app);
      let last = 0;
      let headers: Record<string, unknown> = {};
      for (let i = 0; i < 4 && last !== 429; i++) {
        const token = (await c.signIn(u.username, PASSWORD)).body.token;
        for (let j = 0; j < 5; j++) {
          const r = await c.post('/auth/two-factor', { token, code: '000000' });
          last = r.status;
          headers = r.headers;
          if (last === 429) break;
        }
      }
      expect(last).toBe(429);
      expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
