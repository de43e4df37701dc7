/**
 * The admin area's settings (/api/admin/settings) on SQLite and Postgres: only an admin reads and
 * changes them (none 401, a customer and support 403), the SMTP password is masked and a masked URL
 * sent back is never stored, bad values are 422 with the CLI's words and change nothing (all or
 * nothing), each change writes one audit entry (via web), CSRF is required; the panel name through
 * the CLI (`settings set --panel-name`) and GET /api/web/panel.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { main } from '../src/cli/main.js';
import { readSetting } from '../src/settings/settings.repo.js';
import { adminActor } from './helpers/actor.js';
import { makeApi, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const S = '/api/admin/settings';
const SMTP = 'smtp://mailer:Smtp-Secret-77@mail.example:587';

describeEachDb('admin settings', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;
  const db = () => ctx().db.db;

  async function signedIn(username: string): Promise<WebClient> {
    return signedInClient(app, db(), username, { password: PASSWORD });
  }
  async function staff(role: 'admin' | 'support') {
    const r = await createUser({
      db: db(),
      actor: SYSTEM,
      input: { username: `s${role}_${Date.now() % 1e6}`, role },
    });
    if (!r.ok) throw new Error(r.failure.code);
    return signedIn(r.value.username);
  }
  const settingsEntries = () =>
    db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'settings.set')
      .orderBy('id', 'asc')
      .execute();

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

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    admin = await staff('admin');
    support = await staff('support');
    customer = await signedIn((await seedUser(db(), '5')).username);
    noSession = new WebClient(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('who may call', () => {
    it('no session 401, a customer 403, support 403 on GET and POST; nothing changes', async () => {
      const before = (await settingsEntries()).length;
      for (const [c, status, code] of [
        [noSession, 401, 'no_session'],
        [customer, 403, 'forbidden'],
        [support, 403, 'forbidden'],
      ] as const) {
        const g = await c.get(S);
        expect([g.status, g.body.code]).toEqual([status, code]);
        const p = await c.post(S, { panelName: 'Taken over', signupOpen: false });
        expect([p.status, p.body.code]).toEqual([status, code]);
      }
      expect((await admin.get(S)).body).toMatchObject({ panelName: 'SMM panel', signupOpen: true });
      expect((await settingsEntries()).length).toBe(before);
    });

    it('without the CSRF token: 403 csrf, nothing changes', async () => {
      const before = (await settingsEntries()).length;
      const r = await admin.post(S, { panelName: 'No token' }, { csrf: false });
      expect([r.status, r.body.code]).toEqual([403, 'csrf']);
      expect(await readSetting(db(), 'panel_name')).toBeNull();
      expect((await settingsEntries()).length).toBe(before);
    });
  });

  describe('an admin', () => {
    it('reads the settings with the SMTP password masked', async () => {
      expect((await cli('settings', 'set', '--smtp-url', SMTP)).code).toBe(0);
      const r = await admin.get(S);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        panelName: 'SMM panel',
        currency: 'USD',
        smtpUrl: 'smtp://mailer:****@mail.example:587',
      });
      expect(JSON.stringify(r.body)).not.toContain('Smtp-Secret-77');
    });

    it('changes several settings at once: one audit entry via web, the panel name on /api/web/panel', async () => {
      const before = (await settingsEntries()).length;
      const r = await admin.post(S, {
        panelName: '  Fast Likes  ',
        signupOpen: false,
        publicServices: true,
        mailFrom: 'help@panel.example',
      });
      expect(r.status).toBe(200);
      expect(r.body.changed.sort()).toEqual(['mailFrom', 'panelName', 'publicServices', 'signupOpen']);
      expect(r.body.settings).toMatchObject({
        panelName: 'Fast Likes',
        signupOpen: false,
        publicServices: true,
        mailFrom: 'help@panel.example',
      });
      const entries = await settingsEntries();
      expect(entries.length).toBe(before + 1);
      const e = entries.at(-1);
      expect(e?.actor_kind).toBe('web');
      expect(JSON.parse(String(e?.after))).toMatchObject({ panelName: 'Fast Likes', signupOpen: false });
      expect(JSON.parse(String(e?.before))).toMatchObject({ panelName: 'SMM panel', signupOpen: true });
      const panel = await noSession.get('/panel');
      expect(panel.body).toMatchObject({ panelName: 'Fast Likes', signupOpen: false, publicServices: true });
      // Saving the same values again changes nothing and writes no entry.
      const again = await admin.post(S, { panelName: 'Fast Likes', signupOpen: false });
      expect(again.body.changed).toEqual([]);
      expect((await settingsEntries()).length).toBe(before + 1);
    });

    it('a masked SMTP URL sent back is refused and the password stays; leaving it out keeps it', async () => {
      const shown = (await admin.get(S)).body.smtpUrl as string;
      const r = await admin.post(S, { smtpUrl: shown, currency: 'EUR' });
      expect([r.status, r.body.code]).toEqual([422, 'invalid_setting']);
      expect(await readSetting(db(), 'smtp_url')).toBe(SMTP);
      expect(await readSetting(db(), 'currency')).not.toBe('EUR');
      const keep = await admin.post(S, { publicUrl: 'https://panel.example/' });
      expect(keep.status).toBe(200);
      expect(await readSetting(db(), 'smtp_url')).toBe(SMTP);
      expect(keep.body.settings).toMatchObject({
        publicUrl: 'https://panel.example',
        passwordResetByMail: true,
      });
      const cleared = await admin.post(S, { smtpUrl: null });
      expect(cleared.body.settings.smtpUrl).toBeNull();
      expect(await readSetting(db(), 'smtp_url')).toBeNull();
    });

    it('a bad value: 422 with the CLI words, nothing changed, no entry', async () => {
      const before = (await settingsEntries()).length;
      const cases: [Record<string, unknown>, string][] = [
        [
          { currency: 'eur', panelName: 'Other' },
          'currency must be a 3-letter ISO code in capitals, e.g. EUR',
        ],
        [
          { panelName: '', signupOpen: true },
          'panel name must be 1-60 characters, without control characters',
        ],
        [{ panelName: 'x'.repeat(61) }, 'panel name must be 1-60 characters, without control characters'],
        [{ panelName: 'a\u0007b' }, 'panel name must be 1-60 characters, without control characters'],
        [
          { smtpUrl: 'http://mail.example', signupOpen: true },
          'smtp-url must be smtp://[user:pass@]host[:port] or smtps://...',
        ],
        [
          { mailFrom: 'nobody', currency: 'GBP' },
          'mail-from must be an e-mail address, e.g. support@panel.example',
        ],
        [
          { publicUrl: 'ftp://panel.example', publicServices: false },
          'public-url must be an http(s) address without query, e.g. https://panel.example',
        ],
      ];
      const was = (await admin.get(S)).body;
      for (const [body, error] of cases) {
        const r = await admin.post(S, body);
        expect([r.status, r.body.code, r.body.error]).toEqual([422, 'invalid_setting', error]);
      }
      expect((await admin.get(S)).body).toEqual(was);
      expect((await settingsEntries()).length).toBe(before);
      const wrongType = await admin.post(S, { signupOpen: 'yes' });
      expect([wrongType.status, wrongType.body.code]).toEqual([400, 'bad_request']);
    });
  });

  describe('the CLI', () => {
    it('settings set --panel-name and settings show', async () => {
      const r = await cli('settings', 'set', '--panel-name', 'CLI Panel');
      expect([r.code, r.json()]).toEqual([0, { 'panel-name': 'CLI Panel' }]);
      expect((await cli('settings', 'show')).json().panelName).toBe('CLI Panel');
      expect((await noSession.get('/panel')).body.panelName).toBe('CLI Panel');
      const bad = await cli('settings', 'set', '--panel-name', ' ', '--currency', 'JPY');
      expect([bad.code, bad.json()]).toEqual([
        1,
        { error: 'panel name must be 1-60 characters, without control characters' },
      ]);
      const badUrl = await cli('settings', 'set', '--public-url', 'nope');
      expect(badUrl.json()).toEqual({
        error: 'public-url must be an http(s) address without query, e.g. https://panel.example, or off',
      });
      expect((await cli('settings', 'show')).json()).toMatchObject({ panelName: 'CLI Panel' });
      expect((await cli('settings', 'show')).json().currency).not.toBe('JPY');
    });
  });
});
