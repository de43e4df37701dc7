/**
 * Resolving a review case is all or nothing: when the resolution is refused after the order's
 * dispatch state was moved (the order ended meanwhile), the move is rolled back with it.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { resolveReview } from '../src/orders/resolve-review.js';
import { changeOrderStatus } from '../src/orders/settle.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedService, seedUser } from './helpers/api.js';
import { footprint } from './helpers/api-v2.js';
import { describeEachDb } from './helpers/db.js';

describeEachDb('resolving a review case', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApi(ctx().db.db);
  });
  afterAll(async () => {
    await app.close();
  });
  const db = () => ctx().db.db;

  it('a cancel refused because the order already ended leaves the case in review and the money untouched', async () => {
    const user = await seedUser(db(), '10');
    const service = await seedService(db(), { rate: '2', min: 10, max: 10000 });
    const placed = await callApi(app, {
      key: user.apiKey,
      action: 'add',
      service,
      link: 'https://x.com/r',
      quantity: 500,
    });
    const orderId: number = placed.body.order;
    // The order ended (by hand) while its send was in review.
    expect((await changeOrderStatus({ db: db(), orderId, change: { status: 'completed' } })).ok).toBe(true);
    await db().updateTable('orders').set({ dispatch_state: 'review' }).where('id', '=', orderId).execute();
    const before = await footprint(db(), user.id);

    const r = await resolveReview({
      db: db(),
      actor: await adminActor(db()),
      orderId,
      resolution: { kind: 'cancel' },
    });
    expect(r).toEqual({
      ok: false,
      failure: {
        code: 'conflict',
        reason: 'forbidden_transition',
        what: 'order',
        id: orderId,
        from: 'completed',
        to: 'canceled',
      },
    });
    const row = await db()
      .selectFrom('orders')
      .select(['dispatch_state', 'status'])
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ dispatch_state: 'review', status: 'completed' });
    expect(await footprint(db(), user.id)).toEqual(before);
    // Resolved as sent it moves on, because nothing else is refused.
    expect(
      await resolveReview({
        db: db(),
        actor: await adminActor(db()),
        orderId,
        resolution: { kind: 'sent', upstreamOrderId: 'u-1' },
      }),
    ).toEqual({
      ok: true,
      value: { orderId },
    });
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });
});
