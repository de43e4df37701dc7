/**
 * The catalogue views behind API v2 `services` (src/catalog/list-services.ts): customers who pay list
 * prices share one view (and one JSON answer), so memory does not grow with the number of customers
 * calling `services`; a customer with rates of their own gets their own view, with their rates and
 * only theirs, and a rate set or removed shows on their next call without touching anyone else's.
 */
import { expect, it } from 'vitest';
import { listServices } from '../src/catalog/list-services.js';
import { setUserRate } from '../src/catalog/set-user-rate.js';
import { updateService } from '../src/catalog/update-service.js';
import { parseRate } from '../src/money.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('catalogue views', (ctx) => {
  it('list-price customers share one view; own rates show only for their owner', async () => {
    const db = ctx().db.db;
    const app = await makeApi(db);
    try {
      const s1 = await seedService(db, { name: 'Likes', rate: '1.00' });
      const s2 = await seedService(db, { name: 'Views', rate: '0.50' });
      const a = await seedUser(db, '1.00');
      const b = await seedUser(db, '1.00');
      const c = await seedUser(db, '1.00');
      const actor = await adminActor(db);
      const own = await setUserRate({
        db,
        actor,
        username: c.username,
        serviceId: s1,
        rateUnits: parseRate('0.80') as bigint,
      });
      expect(own.ok).toBe(true);

      const viewA = await listServices({ db, userId: a.id });
      const viewB = await listServices({ db, userId: b.id });
      const viewC = await listServices({ db, userId: c.id });
      expect(viewB).toBe(viewA);
      expect(viewC).not.toBe(viewA);
      const rateOf = (view: typeof viewA, id: number) => view.find((s) => s.id === id)?.rate;
      expect([rateOf(viewA, s1), rateOf(viewA, s2)]).toEqual(['1', '0.5']);
      expect([rateOf(viewC, s1), rateOf(viewC, s2)]).toEqual(['0.8', '0.5']);
      // The views are read-only: a face cannot change what other callers are shown.
      expect(Object.isFrozen(viewA)).toBe(true);
      expect(Object.isFrozen(viewA[0])).toBe(true);

      const answer = async (key: string) => (await callApi(app, { key, action: 'services' })).raw;
      const [rawA, rawB, rawC] = [await answer(a.apiKey), await answer(b.apiKey), await answer(c.apiKey)];
      expect(rawB).toBe(rawA);
      const rates = (raw: string) =>
        Object.fromEntries(
          (JSON.parse(raw) as { service: number; rate: string }[]).map((s) => [s.service, s.rate]),
        );
      expect(rates(rawA)).toMatchObject({ [s1]: '1', [s2]: '0.5' });
      expect(rates(rawC)).toMatchObject({ [s1]: '0.8', [s2]: '0.5' });

      // A's own rate shows on A's next call; B still shares the list-price view.
      await setUserRate({
        db,
        actor,
        username: a.username,
        serviceId: s2,
        rateUnits: parseRate('0.45') as bigint,
      });
      expect(rates(await answer(a.apiKey))).toMatchObject({ [s1]: '1', [s2]: '0.45' });
      expect(await answer(b.apiKey)).toBe(rawB);
      // Removed again: A is back on list prices.
      await setUserRate({ db, actor, username: a.username, serviceId: s2, rateUnits: null });
      expect(rates(await answer(a.apiKey))).toMatchObject({ [s1]: '1', [s2]: '0.5' });
      expect(await listServices({ db, userId: a.id })).toBe(await listServices({ db, userId: b.id }));
      // A list price changed by the operator reaches the customer with own rates too, beside their rate.
      const changed = await updateService({
        db,
        actor,
        serviceId: s2,
        changes: { rateUnits: parseRate('0.60') as bigint },
      });
      expect(changed.ok).toBe(true);
      expect(rates(await answer(c.apiKey))).toMatchObject({ [s1]: '0.8', [s2]: '0.6' });
      expect(rates(await answer(b.apiKey))).toMatchObject({ [s1]: '1', [s2]: '0.6' });
    } finally {
      await app.close();
    }
  });
});
