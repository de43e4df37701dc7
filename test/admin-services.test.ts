/**
 * The admin area's catalogue (/api/admin/services…) on SQLite and Postgres: only an admin reads and
 * changes it (none 401, a customer and support 403 on every endpoint, nothing changes); moving
 * categories and services changes the order API v2 `services` answers; new ones go last; a bulk rate
 * change by percent is exact (money.ts's rounding) and all or nothing with one audit entry; the import
 * preview writes nothing and the import then does what it showed, keeping hand-set rates and listing
 * them; bad input is 422 with the CLI's words and changes nothing.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { addProvider } from '../src/providers/add-provider.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import { type ScriptedUpstream, startScriptedUpstream, upstreamService } from './helpers/engine.js';
import { signedInClient, WebClient } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
const S = '/api/admin/services';

describeEachDb('admin services', (ctx) => {
  let app: FastifyInstance;
  let admin: WebClient;
  let support: WebClient;
  let customer: WebClient;
  let noSession: WebClient;
  let apiKey: string;
  let upstream: ScriptedUpstream;
  const db = () => ctx().db.db;

  async function staff(role: 'admin' | 'support') {
    const r = await createUser({ db: db(), actor: SYSTEM, input: { username: uniqueName(role), role } });
    if (!r.ok) throw new Error(r.failure.code);
    return signedInClient(app, db(), r.value.username, { password: PASSWORD });
  }
  const auditCount = async () =>
    Number(
      (
        await db()
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const serviceRows = () => db().selectFrom('services').selectAll().orderBy('id').execute();
  const lastAudit = () =>
    db().selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  /** The service ids API v2 `services` answers, in its order. */
  const v2Order = async (): Promise<number[]> => {
    const r = await callApi(app, { key: apiKey, action: 'services' });
    return (r.body as { service: number }[]).map((s) => s.service);
  };
  const catalogue = async () => {
    const r = await admin.get(S);
    expect(r.status).toBe(200);
    return r.body as {
      currency: string;
      categories: { id: number; name: string; services: { id: number; rate: string; enabled: boolean }[] }[];
    };
  };
  const categoryId = async (name: string) => {
    const c = (await catalogue()).categories.find((x) => x.name === name);
    if (!c) throw new Error(`no category ${name}`);
    return c.id;
  };

  beforeAll(async () => {
    app = await makeApi(db(), {});
    await adminActor(db());
    admin = await staff('admin');
    support = await staff('support');
    const u = await seedUser(db(), '5');
    apiKey = u.apiKey;
    customer = await signedInClient(app, db(), u.username, { password: PASSWORD });
    noSession = new WebClient(app);
    upstream = await startScriptedUpstream({
      services: [
        upstreamService(1, { name: 'Up one', rate: '1.00', category: 'Upstream A' }),
        upstreamService(2, { name: 'Up two', rate: '2.50', category: 'Upstream A' }),
        upstreamService(3, { name: 'Up three', rate: '0.123456', category: 'Upstream B' }),
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  describe('who may call', () => {
    it('no session 401, a customer 403, support 403 on every endpoint; nothing changes', async () => {
      const svc = await seedService(db(), { name: 'Guarded', category: 'Guard' });
      const cat = await categoryId('Guard');
      const before = { audit: await auditCount(), rows: await serviceRows() };
      const calls: [string, string, unknown?][] = [
        ['GET', S],
        ['GET', `${S}/import/providers`],
        ['POST', S, { name: 'X', category: 'Y', rate: '1', min: '1', max: '10' }],
        ['POST', `${S}/${svc}`, { rate: '9' }],
        ['POST', `${S}/${svc}/disable`],
        ['POST', `${S}/${svc}/enable`],
        ['POST', `${S}/${svc}/move`, { to: 'up' }],
        ['POST', `${S}/categories/${cat}/move`, { to: 'up' }],
        ['POST', `${S}/categories/${cat}/rename`, { name: 'Taken' }],
        ['POST', `${S}/bulk`, { ids: [svc], action: 'disable' }],
        ['POST', `${S}/import/preview`, { providerId: 1, markup: '0' }],
        ['POST', `${S}/import`, { providerId: 1, markup: '0' }],
      ];
      for (const [c, status, code] of [
        [noSession, 401, 'no_session'],
        [customer, 403, 'forbidden'],
        [support, 403, 'forbidden'],
      ] as const) {
        for (const [method, path, body] of calls) {
          const r = method === 'GET' ? await c.get(path) : await c.post(path, body);
          expect([path, r.status, r.body.code]).toEqual([path, status, code]);
        }
      }
      expect(await auditCount()).toBe(before.audit);
      expect(await serviceRows()).toEqual(before.rows);
      expect(upstream.callsOf('services')).toHaveLength(0);
    });

    it('without the CSRF token: 403 csrf, nothing changes', async () => {
      const before = await auditCount();
      const r = await admin.post(
        S,
        { name: 'X', category: 'Y', rate: '1', min: '1', max: '10' },
        { csrf: false },
      );
      expect([r.status, r.body.code]).toEqual([403, 'csrf']);
      expect(await auditCount()).toBe(before);
    });
  });

  describe('the order customers see', () => {
    it('moving categories and services changes API v2 `services`; new ones go last', async () => {
      const a1 = await seedService(db(), { name: 'A one', category: 'Order Alpha' });
      const a2 = await seedService(db(), { name: 'A two', category: 'Order Alpha' });
      const b1 = await seedService(db(), { name: 'B one', category: 'Order Beta' });
      const tail = (ids: number[]) => ids.filter((id) => [a1, a2, b1].includes(id));
      // Created last: the new category after the older ones, services in creation order.
      expect((await v2Order()).slice(-3)).toEqual([a1, a2, b1]);

      const beta = await categoryId('Order Beta');
      const alpha = await categoryId('Order Alpha');
      const before = await auditCount();
      const up = await admin.post(`${S}/categories/${beta}/move`, { to: 'up' });
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ id: beta, changed: true });
      expect(tail(await v2Order())).toEqual([b1, a1, a2]);
      const entry = await lastAudit();
      expect(entry).toMatchObject({ action: 'category.move', subject_type: 'category', actor_kind: 'web' });
      expect(JSON.parse(entry.after as string)).toMatchObject({ name: 'Order Beta' });

      const moved = await admin.post(`${S}/${a2}/move`, { to: 'up' });
      expect(moved.body).toEqual({ id: a2, position: 1, changed: true });
      expect(tail(await v2Order())).toEqual([b1, a2, a1]);
      expect((await lastAudit()).action).toBe('service.move');

      // To a place: Alpha first of all categories.
      const first = await admin.post(`${S}/categories/${alpha}/move`, { position: 1 });
      expect(first.body).toEqual({ id: alpha, position: 1, changed: true });
      expect((await v2Order()).slice(0, 2)).toEqual([a2, a1]);
      // The staff list is in the same order.
      expect((await catalogue()).categories[0]?.name).toBe('Order Alpha');
      expect(await auditCount()).toBe(before + 3);

      // Already first: nothing changes, no entry.
      const again = await admin.post(`${S}/categories/${alpha}/move`, { to: 'up' });
      expect(again.body).toEqual({ id: alpha, position: 1, changed: false });
      expect(await auditCount()).toBe(before + 3);

      // A new service in an existing category goes last there; the web catalogue agrees.
      const a3 = await admin.post(S, {
        name: 'A three',
        category: 'Order Alpha',
        rate: '1',
        min: '1',
        max: '5',
      });
      expect(a3.status).toBe(200);
      expect((await v2Order()).slice(0, 3)).toEqual([a2, a1, a3.body.id]);
      const web = await customer.get('/services');
      expect((web.body.services as { id: number }[]).slice(0, 3).map((s) => s.id)).toEqual([
        a2,
        a1,
        a3.body.id,
      ]);
      // Moved to another category by an edit: last there.
      const edit = await admin.post(`${S}/${a2}`, { category: 'Order Beta' });
      expect(edit.status).toBe(200);
      expect(tail(await v2Order()).slice(-2)).toEqual([b1, a2]);
    });

    it('refuses a bad place, an unknown category or service, and changes nothing', async () => {
      const svc = await seedService(db(), { name: 'Lonely', category: 'Order Gamma' });
      const gamma = await categoryId('Order Gamma');
      const before = { audit: await auditCount(), order: await v2Order() };
      const n = (await catalogue()).categories.length;
      for (const [path, body, status, code, params] of [
        [`${S}/${svc}/move`, { position: 2 }, 422, 'invalid_position', { max: '1' }],
        [`${S}/${svc}/move`, { position: 0 }, 422, 'invalid_position', { max: '1' }],
        [`${S}/categories/${gamma}/move`, { position: n + 1 }, 422, 'invalid_position', { max: String(n) }],
        [`${S}/categories/999999/move`, { to: 'up' }, 404, 'unknown_category', undefined],
        [`${S}/999999/move`, { to: 'down' }, 404, 'unknown_service', undefined],
        [`${S}/${svc}/move`, { to: 'sideways' }, 400, 'bad_request', undefined],
        [`${S}/${svc}/move`, { to: 'up', position: 1 }, 400, 'bad_request', undefined],
        [`${S}/${svc}/move`, {}, 400, 'bad_request', undefined],
      ] as const) {
        const r = await admin.post(path, body);
        expect([path, r.status, r.body.code, r.body.params]).toEqual([path, status, code, params]);
      }
      expect((await admin.post(`${S}/${svc}/move`, { position: 2 })).body.error).toBe(
        'position must be a whole number from 1 to 1',
      );
      expect(await auditCount()).toBe(before.audit);
      expect(await v2Order()).toEqual(before.order);
    });

    it('renames a category: its services follow, it keeps its place; a taken name is 409', async () => {
      const s1 = await seedService(db(), { name: 'R one', category: 'Rename Me' });
      await seedService(db(), { name: 'Other', category: 'Rename Taken' });
      const id = await categoryId('Rename Me');
      const place = (await catalogue()).categories.findIndex((c) => c.id === id);
      const r = await admin.post(`${S}/categories/${id}/rename`, { name: '  Renamed  ' });
      expect(r.body).toEqual({ id, name: 'Renamed' });
      const after = await catalogue();
      expect(after.categories[place]).toMatchObject({ id, name: 'Renamed', services: [{ id: s1 }] });
      expect((await lastAudit()).action).toBe('category.rename');
      const before = await auditCount();
      const taken = await admin.post(`${S}/categories/${id}/rename`, { name: 'Rename Taken' });
      expect([taken.status, taken.body.code, taken.body.error]).toEqual([
        409,
        'category_exists',
        'category Rename Taken already exists',
      ]);
      const empty = await admin.post(`${S}/categories/${id}/rename`, { name: ' ' });
      expect([empty.status, empty.body.code]).toEqual([422, 'invalid_service']);
      expect(await auditCount()).toBe(before);
    });
  });

  describe('create and edit', () => {
    it('creates a service (audited) and refuses bad input with the CLI’s words', async () => {
      const before = await auditCount();
      const ok = await admin.post(S, {
        name: 'Made here',
        category: 'Made',
        type: 'Default',
        rate: '0.7305',
        min: '10',
        max: '1000',
        refill: true,
      });
      expect(ok.status).toBe(200);
      const made = (await catalogue()).categories.find((c) => c.name === 'Made')?.services[0];
      expect(made).toMatchObject({ id: ok.body.id, rate: '0.7305', providerRate: null, rateSetByHand: true });
      expect((await lastAudit()).action).toBe('service.create');
      expect(await auditCount()).toBe(before + 1);
      for (const [body, status, code, error] of [
        [
          { name: 'X', category: 'Y', rate: '1.23456', min: '1', max: '2' },
          422,
          'invalid_rate',
          'rate must be a non-negative decimal with at most 4 decimals (got "1.23456")',
        ],
        [{ name: 'X', category: 'Y', rate: '-1', min: '1', max: '2' }, 422, 'invalid_rate', undefined],
        [
          { name: 'X', category: 'Y', rate: '1', min: '5', max: '2' },
          422,
          'invalid_service',
          'max must be at least min',
        ],
        [
          { name: ' ', category: 'Y', rate: '1', min: '1', max: '2' },
          422,
          'invalid_service',
          'name must be 1-300 characters',
        ],
        [{ name: 'X', category: 'Y', rate: '1', min: 'ten', max: '2' }, 400, 'bad_request', undefined],
        [
          { name: 'X', category: 'Y', type: 'Nope', rate: '1', min: '1', max: '2' },
          400,
          'bad_request',
          undefined,
        ],
      ] as const) {
        const r = await admin.post(S, body);
        expect([r.status, r.body.code]).toEqual([status, code]);
        if (error) expect(r.body.error).toBe(error);
      }
      expect(await auditCount()).toBe(before + 1);
    });

    it('edits a service (audited), enables and disables it; unknown id is 404', async () => {
      const id = await seedService(db(), { name: 'Editable', category: 'Edit', rate: '1' });
      const r = await admin.post(`${S}/${id}`, { name: 'Edited', rate: '2.5', max: '20000', refillDays: 30 });
      expect(r.body).toEqual({ id });
      const entry = await lastAudit();
      expect(entry.action).toBe('service.update');
      expect(JSON.parse(entry.after as string)).toMatchObject({ name: 'Edited', rate: '2.5' });
      const d = await admin.post(`${S}/${id}/disable`);
      expect(d.body).toEqual({ id, enabled: false });
      expect(await v2Order()).not.toContain(id);
      expect((await catalogue()).categories.find((c) => c.name === 'Edit')?.services[0]).toMatchObject({
        id,
        enabled: false,
        rate: '2.5',
      });
      expect((await admin.post(`${S}/${id}/enable`)).body).toEqual({ id, enabled: true });
      const before = await auditCount();
      for (const path of [`${S}/999999`, `${S}/999999/enable`]) {
        const x = await admin.post(path, path.endsWith('enable') ? undefined : { name: 'Ghost' });
        expect([x.status, x.body.code]).toEqual([404, 'unknown_service']);
      }
      const bad = await admin.post(`${S}/${id}`, { rate: 'abc' });
      expect([bad.status, bad.body.code]).toEqual([422, 'invalid_rate']);
      expect(await auditCount()).toBe(before);
    });
  });

  describe('bulk changes', () => {
    it('changes rates by a percent exactly (half up to 4 decimals), one audit entry with before and after', async () => {
      const x = await seedService(db(), { name: 'Bulk x', category: 'Bulk', rate: '1.2345' });
      const y = await seedService(db(), { name: 'Bulk y', category: 'Bulk', rate: '0.0005' });
      const z = await seedService(db(), { name: 'Bulk z', category: 'Bulk', rate: '100' });
      const before = await auditCount();
      const r = await admin.post(`${S}/bulk`, { ids: [z, x, y, x], action: 'rate', percent: '10' });
      expect(r.status).toBe(200);
      // 1.2345 × 1.1 = 1.35795 -> 1.358; 0.0005 × 1.1 = 0.00055 -> 0.0006 (half up); 100 -> 110.
      expect(r.body).toEqual({
        ids: [x, y, z],
        changed: [x, y, z],
        rates: { [x]: '1.358', [y]: '0.0006', [z]: '110' },
      });
      expect(await auditCount()).toBe(before + 1);
      const entry = await lastAudit();
      expect(entry.action).toBe('services.bulk_rate');
      expect(JSON.parse(entry.before as string)).toEqual({
        rates: { [x]: '1.2345', [y]: '0.0005', [z]: '100' },
      });
      expect(JSON.parse(entry.after as string)).toEqual({
        percent: '10',
        rates: { [x]: '1.358', [y]: '0.0006', [z]: '110' },
      });
      // -12.5%: 1.358 × 0.875 = 1.18825 -> 1.1883 (half up); 0.0006 × 0.875 = 0.000525 -> 0.0005.
      const down = await admin.post(`${S}/bulk`, { ids: [x, y], action: 'rate', percent: '-12.5' });
      expect(down.body.rates).toEqual({ [x]: '1.1883', [y]: '0.0005' });
      // The rates are the operator's own now: re-imports keep them.
      const rows = await db()
        .selectFrom('services')
        .select(['rate_set_by_hand'])
        .where('id', 'in', [x, y])
        .execute();
      expect(rows.map((row) => Number(row.rate_set_by_hand))).toEqual([1, 1]);
    });

    it('refuses a bad percent, a result below 0.0001 and unknown ids: nothing changes', async () => {
      const x = await seedService(db(), { name: 'Keep x', category: 'Bulk bad', rate: '5' });
      const tiny = await seedService(db(), { name: 'Keep tiny', category: 'Bulk bad', rate: '0.0001' });
      const before = { audit: await auditCount(), rows: await serviceRows() };
      for (const [body, status, code, error] of [
        [
          { ids: [x], action: 'rate', percent: 'ten' },
          422,
          'invalid_percent',
          'percent must be a decimal number above -100, e.g. 10 or -5.5',
        ],
        [{ ids: [x], action: 'rate', percent: '-100' }, 422, 'invalid_percent', undefined],
        [{ ids: [x], action: 'rate', percent: '-150' }, 422, 'invalid_percent', undefined],
        [{ ids: [x], action: 'rate' }, 422, 'invalid_percent', undefined],
        // 0.0001 × 0.4 = 0.00004 -> 0: refused for that service; the other is not changed either.
        [
          { ids: [x, tiny], action: 'rate', percent: '-60' },
          422,
          'rate_too_low',
          `the new rate of service ${tiny} would be below 0.0001`,
        ],
        [{ ids: [x, 999999], action: 'disable' }, 404, 'unknown_service', undefined],
        [{ ids: [], action: 'disable' }, 400, 'bad_request', undefined],
        [{ ids: [x], action: 'delete' }, 400, 'bad_request', undefined],
      ] as const) {
        const r = await admin.post(`${S}/bulk`, body);
        expect([JSON.stringify(body), r.status, r.body.code]).toEqual([JSON.stringify(body), status, code]);
        if (error) expect(r.body.error).toBe(error);
      }
      expect(await auditCount()).toBe(before.audit);
      expect(await serviceRows()).toEqual(before.rows);
    });

    it('disables and enables a set: hidden from API v2, one entry listing the ids that changed', async () => {
      const x = await seedService(db(), { name: 'Set x', category: 'Bulk set' });
      const y = await seedService(db(), { name: 'Set y', category: 'Bulk set' });
      await admin.post(`${S}/${y}/disable`);
      const before = await auditCount();
      const r = await admin.post(`${S}/bulk`, { ids: [x, y], action: 'disable' });
      expect(r.body).toEqual({ ids: [x, y], changed: [x], rates: {} });
      expect(await auditCount()).toBe(before + 1);
      const entry = await lastAudit();
      expect(entry.action).toBe('services.bulk_disable');
      expect(JSON.parse(entry.after as string)).toEqual({ enabled: { [x]: false } });
      expect(entry.note).toContain(`${x}, ${y}`);
      const order = await v2Order();
      expect(order).not.toContain(x);
      expect(order).not.toContain(y);
      const on = await admin.post(`${S}/bulk`, { ids: [x, y], action: 'enable' });
      expect(on.body.changed).toEqual([x, y]);
      expect(await v2Order()).toEqual(expect.arrayContaining([x, y]));
    });
  });

  describe('import from a provider', () => {
    let providerId: number;
    const ours = async () =>
      db().selectFrom('services').selectAll().where('provider_id', '=', providerId).orderBy('id').execute();

    beforeAll(async () => {
      const p = await addProvider({
        db: db(),
        actor: SYSTEM,
        name: uniqueName('up'),
        url: upstream.url,
        apiKey: upstream.key,
      });
      if (!p.ok) throw new Error(p.failure.code);
      providerId = p.value.id;
    });

    it('lists the providers to import from', async () => {
      const r = await admin.get(`${S}/import/providers`);
      expect(r.status).toBe(200);
      expect(r.body.providers).toContainEqual({ id: providerId, name: expect.any(String), state: 'active' });
      expect(JSON.stringify(r.body)).not.toContain(upstream.key);
    });

    it('a preview writes nothing; the import then does what it showed', async () => {
      const before = {
        audit: await auditCount(),
        rows: await serviceRows(),
        calls: upstream.callsOf('services').length,
      };
      const p = await admin.post(`${S}/import/preview`, { providerId, markup: '25' });
      expect(p.status).toBe(200);
      expect(upstream.callsOf('services')).toHaveLength(before.calls + 1);
      expect(p.body.added.map((a: { upstreamId: string }) => a.upstreamId)).toEqual(['1', '2', '3']);
      // 0.123456 × 1.25 = 0.15432 -> 0.1543.
      expect(p.body.added[2]).toMatchObject({
        name: 'Up three',
        rate: '0.1543',
        providerRate: '0.123456',
        category: 'Upstream B',
      });
      expect(p.body).toMatchObject({ changed: [], unchanged: [], disabled: [], keptRates: [], skipped: [] });
      expect(await auditCount()).toBe(before.audit);
      expect(await serviceRows()).toEqual(before.rows);

      const a = await admin.post(`${S}/import`, { providerId, markup: '25' });
      expect(a.status).toBe(200);
      expect(a.body.created).toHaveLength(3);
      expect(a.body.applied.added).toEqual(p.body.added);
      const rows = await ours();
      expect(rows.map((r) => [r.provider_service_id, r.name, r.category])).toEqual([
        ['1', 'Up one', 'Upstream A'],
        ['2', 'Up two', 'Upstream A'],
        ['3', 'Up three', 'Upstream B'],
      ]);
      expect(await auditCount()).toBe(before.audit + 1);
      expect((await lastAudit()).action).toBe('services.import');
    });

    it('a re-import preview lists changed, disabled, kept hand-set rates and skipped; the import matches', async () => {
      const rows = await ours();
      const id = (u: string) => Number(rows.find((r) => r.provider_service_id === u)?.id);
      // The operator sets service 2's rate by hand.
      expect((await admin.post(`${S}/${id('2')}`, { rate: '9.99' })).status).toBe(200);
      upstream.services = [
        upstreamService(1, { name: 'Up one', rate: '1.20', category: 'Upstream A' }),
        upstreamService(2, { name: 'Up two', rate: '3.00', min: 50, category: 'Upstream A' }),
        upstreamService(4, { name: 'Up four', rate: '4', category: 'Upstream C' }),
        upstreamService(5, { name: 'Odd', type: 'Teleport', category: 'Upstream C' }),
      ];
      const before = { audit: await auditCount(), rows: await serviceRows() };
      const p = await admin.post(`${S}/import/preview`, { providerId, markup: '25' });
      expect(p.status).toBe(200);
      expect(p.body.added).toMatchObject([{ upstreamId: '4', rate: '5', name: 'Up four' }]);
      expect(p.body.changed).toEqual([
        {
          id: id('1'),
          upstreamId: '1',
          name: 'Up one',
          rate: { from: '1.25', to: '1.5' },
          providerRate: { from: '1.00', to: '1.20' },
        },
        {
          id: id('2'),
          upstreamId: '2',
          name: 'Up two',
          providerRate: { from: '2.50', to: '3.00' },
          min: { from: '10', to: '50' },
        },
      ]);
      expect(p.body.keptRates).toEqual([{ id: id('2'), name: 'Up two', rate: '9.99', importRate: '3.75' }]);
      expect(p.body.disabled).toEqual([{ id: id('3'), name: 'Up three', upstreamId: '3' }]);
      expect(p.body.skipped).toEqual([{ service: '5', reason: expect.stringContaining('Teleport') }]);
      expect(await auditCount()).toBe(before.audit);
      expect(await serviceRows()).toEqual(before.rows);

      const a = await admin.post(`${S}/import`, { providerId, markup: '25' });
      expect(a.status).toBe(200);
      const { added: _a, ...shown } = p.body;
      const { added: _b, ...applied } = a.body.applied;
      expect(applied).toEqual(shown);
      expect(a.body).toMatchObject({
        updated: [id('1'), id('2')],
        disabled: [id('3')],
        keptRates: [id('2')],
      });
      expect(a.body.created).toHaveLength(1);
      const after = await ours();
      const row = (u: string) => after.find((r) => r.provider_service_id === u);
      expect(Number(row('2')?.rate_units)).toBe(99_900_000);
      expect(Number(row('2')?.min_quantity)).toBe(50);
      expect(Number(row('1')?.rate_units)).toBe(15_000_000);
      expect(Number(row('3')?.enabled)).toBe(0);
      expect(await auditCount()).toBe(before.audit + 1);

      // Overwrite: the hand-set rate goes, and the preview says so.
      const o = await admin.post(`${S}/import/preview`, { providerId, markup: '25', overwriteRates: true });
      expect(o.body.keptRates).toEqual([]);
      expect(o.body.changed).toEqual([
        { id: id('2'), upstreamId: '2', name: 'Up two', rate: { from: '9.99', to: '3.75' } },
      ]);
    });

    it('only some ids, into one category', async () => {
      upstream.services = [
        ...(upstream.services as unknown[]),
        upstreamService(6, { name: 'Up six', category: 'Upstream D' }),
      ];
      const p = await admin.post(`${S}/import/preview`, {
        providerId,
        markup: '0',
        ids: ['6'],
        category: 'Chosen',
      });
      expect(p.body.added).toMatchObject([{ upstreamId: '6', category: 'Chosen', rate: '1' }]);
      expect(p.body.changed).toEqual([]);
    });

    it('refuses a bad markup, an unknown provider and an unreachable one: nothing changes', async () => {
      const dead = await addProvider({
        db: db(),
        actor: SYSTEM,
        name: uniqueName('dead'),
        url: 'http://127.0.0.1:9/api/v2',
        apiKey: 'k',
      });
      if (!dead.ok) throw new Error(dead.failure.code);
      const before = { audit: await auditCount(), rows: await serviceRows() };
      for (const path of [`${S}/import/preview`, `${S}/import`]) {
        for (const [body, status, code] of [
          [{ providerId, markup: 'lots' }, 422, 'invalid_markup'],
          [{ providerId, markup: '-101' }, 422, 'invalid_markup'],
          [{ providerId, markup: '0', category: 'c'.repeat(201) }, 422, 'invalid_service'],
          [{ providerId: 999999, markup: '0' }, 404, 'unknown_provider'],
          [{ providerId: dead.value.id, markup: '0' }, 502, 'provider_unreachable'],
          [{ markup: '0' }, 400, 'bad_request'],
        ] as const) {
          const r = await admin.post(path, body);
          expect([path, JSON.stringify(body), r.status, r.body.code]).toEqual([
            path,
            JSON.stringify(body),
            status,
            code,
          ]);
        }
      }
      expect(await auditCount()).toBe(before.audit);
      expect(await serviceRows()).toEqual(before.rows);
    });
  });
});
