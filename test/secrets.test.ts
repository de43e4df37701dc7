/**
 * Keys and passwords are stored hashed, and keys never appear in logs: after creating users with
 * known keys and passwords (and rotating a key), no table, no column, and for SQLite no byte of the
 * database file or its WAL holds either in the clear; and a server logging at its most verbose level
 * never prints a key, however the client spells the parameter.
 */

import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { rotateApiKey } from '../src/accounts/rotate-key.js';
import { hashApiKey, verifyPassword } from '../src/accounts/secrets.js';
import { SYSTEM } from '../src/audit/actor.js';
import { openDatabase, parseDatabaseUrl } from '../src/db/connect.js';
import { buildServer } from '../src/http/server.js';
import { callApi, seedService, uniqueName } from './helpers/api.js';
import { describeEachDb, type TestDb } from './helpers/db.js';

interface Secrets {
  username: string;
  password: string;
  keys: string[];
}

/** Every value of every column of every table, as text, with where it came from. */
async function everyStoredValue(t: TestDb): Promise<{ where: string; text: string }[]> {
  const db = t.db.db;
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  expect(tables.map((x) => x.name)).toEqual(
    expect.arrayContaining(['users', 'ledger_entries', 'orders', 'settings']),
  );
  const out: { where: string; text: string }[] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      const rows = await sql<{
        v: string | null;
      }>`select cast(${sql.ref(column.name)} as text) as v from ${sql.table(table.name)}`.execute(db);
      for (const r of rows.rows)
        if (r.v !== null) out.push({ where: `${table.name}.${column.name}`, text: String(r.v) });
    }
  }
  return out;
}

/** Where a secret (or its upper-case spelling, for hex keys) occurs in a text. */
function leaks(text: string, secret: string): boolean {
  return text.includes(secret) || text.includes(secret.toUpperCase());
}

describeEachDb('keys and passwords are stored hashed', (ctx) => {
  const created: Secrets[] = [];

  beforeAll(async () => {
    const db = ctx().db.db;
    for (const password of ['correct horse battery staple', 'Pässwörd-ünïcødé-😀-42', 'short-but-8']) {
      const username = uniqueName('secret');
      const r = await createUser({
        db,
        actor: SYSTEM,
        input: { username, password, balanceUnits: 10_000_000n },
      });
      if (!r.ok) throw new Error(`createUser failed: ${JSON.stringify(r.failure)}`);
      const rotated = await rotateApiKey({ db, actor: SYSTEM, username });
      if (!rotated.ok) throw new Error('rotate failed');
      created.push({ username, password, keys: [r.value.apiKey, rotated.value.apiKey] });
    }
    // Use the keys, so any request path that could write them down has run.
    const app = await buildServer({ db, logLevel: 'silent' });
    const service = await seedService(db, { rate: '1' });
    for (const s of created) {
      await callApi(app, {
        key: s.keys[1]!,
        action: 'add',
        service,
        link: 'https://x.test/p',
        quantity: 100,
      });
      await callApi(app, { key: s.keys[0]!, action: 'balance' }, 'get');
    }
    await app.close();
  });

  it('the stored key hash is SHA-256 of the current key, the old key is gone, the password verifies', async () => {
    const db = ctx().db.db;
    for (const s of created) {
      const row = await db
        .selectFrom('users')
        .select(['api_key_hash', 'password_hash'])
        .where('username', '=', s.username)
        .executeTakeFirstOrThrow();
      expect(row.api_key_hash).toBe(hashApiKey(s.keys[1]!));
      expect(row.api_key_hash).not.toBe(hashApiKey(s.keys[0]!));
      expect(row.password_hash).toMatch(/^scrypt\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(await verifyPassword(s.password, row.password_hash!)).toBe(true);
      expect(await verifyPassword(`${s.password}x`, row.password_hash!)).toBe(false);
    }
  });

  it('no table and no column holds a key or a password in the clear', async () => {
    const values = await everyStoredValue(ctx());
    expect(values.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const v of values) {
      for (const s of created) {
        for (const secret of [s.password, ...s.keys])
          if (leaks(v.text, secret)) found.push(`${v.where} holds a secret of ${s.username}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the scan would notice a secret stored in the clear (the check itself can fail)', async () => {
    // A sentinel that is no one's secret, so the byte-level scan below is not disturbed by it.
    const t = ctx();
    const sentinel = 'f'.repeat(13) + '0123456789abcdef'.repeat(3);
    await t.db.db
      .insertInto('settings')
      .values({ key: 'probe', value: `x${sentinel}x` })
      .execute();
    try {
      const values = await everyStoredValue(t);
      expect(values.filter((v) => leaks(v.text, sentinel)).map((v) => v.where)).toEqual(['settings.value']);
    } finally {
      await t.db.db.deleteFrom('settings').where('key', '=', 'probe').execute();
    }
  });

  it('SQLite: no byte of the database file, its WAL or its shared memory holds a key or a password', async (testCtx) => {
    const t = ctx();
    if (t.dialect !== 'sqlite') return testCtx.skip();
    const path = parseDatabaseUrl(t.url).target;
    const files = [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f));
    expect(files).toContain(path);
    const scan = () => {
      const found: string[] = [];
      for (const file of files.filter((f) => existsSync(f))) {
        const bytes = readFileSync(file);
        for (const s of created) {
          for (const secret of [s.password, ...s.keys]) {
            for (const needle of [secret, secret.toUpperCase()]) {
              if (
                bytes.includes(Buffer.from(needle, 'utf8')) ||
                bytes.includes(Buffer.from(needle, 'utf16le'))
              ) {
                found.push(`${file} holds a secret of ${s.username}`);
              }
            }
          }
        }
      }
      return found;
    };
    // The scan sees what is really stored: the hash of a current key is in the file or its WAL.
    const allBytes = () => Buffer.concat(files.filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    expect(allBytes().includes(Buffer.from(hashApiKey(created[0]!.keys[1]!)))).toBe(true);
    expect(scan()).toEqual([]);
    // After a checkpoint everything is in the main file too; still nothing.
    const other = await openDatabase(t.url, { migrate: false });
    try {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(other.db);
    } finally {
      await other.close();
    }
    expect(allBytes().includes(Buffer.from(hashApiKey(created[0]!.keys[1]!)))).toBe(true);
    expect(scan()).toEqual([]);
  });
});

describeEachDb('API keys never appear in logs', (ctx) => {
  let key: string;
  beforeAll(async () => {
    const r = await createUser({
      db: ctx().db.db,
      actor: SYSTEM,
      input: { username: uniqueName('logged'), balanceUnits: 10_000_000n },
    });
    if (!r.ok) throw new Error('createUser failed');
    key = r.value.apiKey;
  });

  /** A server logging every line at `level` into memory. */
  async function loggingServer(
    level: string,
    opts: { rateLimitPerMinute?: number; db?: TestDb['db']['db'] } = {},
  ) {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = await buildServer({
      db: opts.db ?? ctx().db.db,
      logLevel: level,
      logStream: stream,
      rateLimitPerMinute: opts.rateLimitPerMinute ?? 1_000_000,
    });
    await app.ready();
    return { app, lines };
  }

  const spellings = (k: string) => [
    `/api/v2?key=${k}&action=balance`,
    `/api/v2/?action=balance&key=${k}`,
    `/api/v2?KEY=${k}&action=balance`,
    `/api/v2?Key=${k}&key=${k}&action=balance`,
    `/api/v2?k%65y=${k}&action=balance`,
    `/api/v2?%6B%65%79=${k}&action=balance`,
    `/api/v2?%6b%65%79=${k}&action=balance`,
    `/api/v2?key=${k}&key=${k}&action=balance`,
    `/api/v2?key[]=${k}&action=balance`,
    `/api/v2?action=balance&api_key=${k}`,
    `/api/v2?action=balance&password=${k}`,
    `/api/v2?action=add&service=1&link=x&quantity=1&key=${k}`,
    `/api/v2?key=${k}`,
    `/api/v2?key=${k}&action=nonsense`,
    `/api/v2?x=1&&key=${k}#frag`,
    `/api/v2??key=${k}&action=balance`,
    `/api/v2?action=balance&+key+=${k}`,
    `/api/v2?key=${k}%26action%3Dbalance`,
    `/api/v3?key=${k}`,
    `/health?key=${k}`,
    // Misspelled names: the key does not authenticate, and is still never logged.
    `/api/v2?kye=${k}&action=balance`,
    `/api/v2?apikey=${k}&action=balance`,
    `/api/v2?action=${k}`,
  ];

  it('at trace level, GET requests with the key in the query string log one line each, without parameters', async () => {
    for (const level of ['trace', 'info']) {
      const { app, lines } = await loggingServer(level);
      try {
        for (const url of spellings(key)) {
          const res = await app.inject({ method: 'GET', url });
          expect(res.statusCode === 200 || url.startsWith('/api/v3')).toBe(true);
        }
        // The key worked, so these were real authenticated requests.
        const ok = await app.inject({ method: 'GET', url: `/api/v2?k%65y=${key}&action=balance` });
        expect(JSON.parse(ok.body)).toEqual({ balance: '1.00', currency: 'USD' });
      } finally {
        await app.close();
      }
      const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      // One line per request (no request/response pair), naming the route, never the query.
      expect(requests.length).toBe(spellings(key).length + 1);
      expect(requests[requests.length - 1]).toMatchObject({
        method: 'GET',
        route: '/api/v2',
        status: 200,
        action: 'balance',
        user: expect.any(Number),
        ms: expect.any(Number),
      });
      expect(lines.join('')).not.toContain('?');
      const leaked = lines.filter((l) => leaks(l, key));
      expect(leaked).toEqual([]);
    }
  });

  it('requests that fail (bad JSON, too large, rate limited, database down) do not log the key either', async () => {
    const { app, lines } = await loggingServer('trace', { rateLimitPerMinute: 3 });
    try {
      await app.inject({
        method: 'POST',
        url: `/api/v2?key=${key}`,
        headers: { 'content-type': 'application/json' },
        payload: `{"key":"${key}",`,
      });
      await app.inject({
        method: 'POST',
        url: `/api/v2?key=${key}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `key=${key}&x=${'y'.repeat(1024 * 1024 + 1)}`,
      });
      await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ key, action: 'balance' }),
      });
      // multipart/form-data (PHP curl with an array) logs its parser options at trace level: not the fields.
      const multipart = await app.inject({
        method: 'POST',
        url: '/api/v2',
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
        payload: `--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\n${key}\r\n--XyZ\r\nContent-Disposition: form-data; name="action"\r\n\r\nbalance\r\n--XyZ--\r\n`,
      });
      expect(JSON.parse(multipart.body)).toEqual({ balance: '1.00', currency: 'USD' });
      for (let i = 0; i < 5; i++)
        await app.inject({ method: 'GET', url: `/api/v2?key=${key}&action=balance` });
      const limited = await app.inject({ method: 'GET', url: `/api/v2?key=${key}&action=balance` });
      expect(JSON.parse(limited.body).error).toMatch(/^Too many requests, retry in \d+ seconds$/);
    } finally {
      await app.close();
    }
    // A database that is gone: the request fails inside, is logged as an error, and answered 200.
    const broken = await openDatabase(ctx().url, { migrate: false });
    // Kysely only closes a database it has used: use it once, then close it under the server.
    await sql`select 1`.execute(broken.db);
    const down = await loggingServer('trace', { db: broken.db });
    try {
      await broken.close();
      const res = await down.app.inject({ method: 'GET', url: `/api/v2?key=${key}&action=balance` });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ error: 'Internal error, please retry later' });
      expect(down.lines.some((l) => l.includes('request failed'))).toBe(true);
    } finally {
      await down.app.close();
    }
    expect([...lines, ...down.lines].filter((l) => leaks(l, key))).toEqual([]);
  });
});
