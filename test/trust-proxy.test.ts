/**
 * TRUST_PROXY: behind the operator's own reverse proxy, X-Forwarded-For names the client, but only
 * when the connection comes from a proxy listed there. Seen through what the panel records: the
 * session's address on the Account page's list (GET /api/web/account/sessions).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resetPassword } from '../src/accounts/reset-password.js';
import { loadConfig } from '../src/config.js';
import { buildServer } from '../src/http/server.js';
import { adminActor } from './helpers/actor.js';
import { seedUser } from './helpers/api.js';
import { freshDatabase } from './helpers/db.js';
import { WebClient } from './helpers/web.js';

describe('TRUST_PROXY', async () => {
  const t = await freshDatabase('sqlite');
  afterAll(() => t.cleanup());
  const db = t.db.db;

  async function sessionAddress(trustProxy: string | false, headers: Record<string, string>) {
    const app = await buildServer({ db, logLevel: 'silent', trustProxy });
    try {
      const user = await seedUser(db);
      const set = await resetPassword({
        db,
        actor: await adminActor(db),
        username: user.username,
        password: 'correct horse battery',
      });
      expect(set.ok).toBe(true);
      const c = new WebClient(app, 'test', headers);
      expect((await c.signIn(user.username, 'correct horse battery')).status).toBe(200);
      const r = await c.get('/account/sessions');
      expect(r.status).toBe(200);
      return r.body.sessions[0].ip as string;
    } finally {
      await app.close();
    }
  }

  it('believes X-Forwarded-For from a listed proxy', async () => {
    expect(await sessionAddress('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For when no proxy is trusted, or from one not listed', async () => {
    expect(await sessionAddress(false, { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
    expect(await sessionAddress('10.0.0.0/8', { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('reads addresses and CIDR ranges, and refuses anything else with one line', () => {
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,loopback' }).TRUST_PROXY).toBe(
      '127.0.0.1,10.0.0.0/8,::1,loopback',
    );
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    for (const bad of ['true', 'proxy.example', '10.0.0.0/x', '1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });
});
