/**
 * Dispatch renews the claims of the orders about to leave together and records accepted sends of
 * several orders in one transaction. Neither may cost another order its guarantee: an order whose claim
 * was declared stale meanwhile is not sent while the rest of its batch is; a fault recording one order
 * leaves that order to review (never sent twice) while the others of its group are recorded. A real
 * upstream on 127.0.0.1 and the engine, on SQLite and Postgres.
 */

import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../src/audit/actor.js';
import { checkLedger } from '../src/ledger/check-ledger.js';
import { addProvider } from '../src/providers/add-provider.js';
import { importServices } from '../src/providers/import-services.js';
import { setProviderSendLimit } from '../src/providers/set-provider-send-limit.js';
import { recoverStaleSends } from '../src/worker/dispatch.js';
import { adminActor } from './helpers/actor.js';
import { callApi, makeApi, seedUser, uniqueName } from './helpers/api.js';
import { describeEachDb } from './helpers/db.js';
import {
  makeEngine,
  type ScriptedUpstream,
  startScriptedUpstream,
  upstreamService,
} from './helpers/engine.js';

let seq = 0;

describeEachDb('dispatch sends and records a batch together', (t) => {
  let app: FastifyInstance;
  let u: ScriptedUpstream;
  let providerId: number;
  let service: number;
  const db = () => t().db.db;

  beforeAll(async () => {
    app = await makeApi(db());
    u = await startScriptedUpstream({ services: [upstreamService(1, { rate: '10' })] });
    const p = await addProvider({
      db: db(),
      actor: SYSTEM,
      name: uniqueName('dbatch'),
      url: u.url,
      apiKey: u.key,
    });
    if (!p.ok) throw new Error(JSON.stringify(p.failure));
    providerId = p.value.id;
    const r = await importServices({ db: db(), actor: SYSTEM, providerId, markupPercent: '0' });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
    service = r.value.created[0] as number;
  });
  afterAll(async () => {
    await app.close();
    await u.close();
  });

  const row = (id: number) =>
    db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function place(n: number): Promise<{ ids: number[]; links: string[] }> {
    const user = await seedUser(db(), '100');
    const ids: number[] = [];
    const links: string[] = [];
    for (let i = 0; i < n; i++) {
      const link = `https://x.com/dbatch${++seq}`;
      const r = await callApi(app, { key: user.apiKey, action: 'add', service, link, quantity: 100 });
      ids.push(r.body.order as number);
      links.push(link);
    }
    return { ids, links };
  }

  async function sendLimit(limit: number): Promise<void> {
    const r = await setProviderSendLimit({ db: db(), actor: await adminActor(db()), providerId, limit });
    if (!r.ok) throw new Error(JSON.stringify(r.failure));
  }

  const addsFor = (link: string) => u.callsOf('add').filter((c) => c.params.link === link).length;

  it('an order of the batch whose claim was declared stale before its turn is not sent; the others are', async () => {
    await sendLimit(1);
    const { ids, links } = await place(3);
    const [first, victim, last] = ids as [number, number, number];
    const e = makeEngine(db(), t().dialect);
    let moved = false;
    // While the first order's add is in flight, the victim (claimed in the same batch, waiting for its
    // turn) is found stale by another worker and goes to review.
    u.handlers.add = (p, up) => {
      if (p.link !== links[0]) return undefined;
      return {
        json: { order: Number(up.createOrder(p).id) },
        before: async () => {
          moved = true;
          expect((await row(victim)).dispatch_state).toBe('sending');
          await db().updateTable('orders').set({ claimed_at: 0 }).where('id', '=', victim).execute();
          const other = makeEngine(db(), t().dialect);
          expect(await recoverStaleSends(other.ctx)).toBe(1);
        },
      };
    };
    try {
      await e.round();
    } finally {
      delete u.handlers.add;
    }
    expect(moved).toBe(true);
    expect((await row(first)).dispatch_state).toBe('sent');
    expect((await row(last)).dispatch_state).toBe('sent');
    expect((await row(victim)).dispatch_state).toBe('review');
    expect(addsFor(links[1] as string)).toBe(0);
    expect(addsFor(links[0] as string)).toBe(1);
    expect(addsFor(links[2] as string)).toBe(1);
    expect(e.logs.filter((l) => l.msg.startsWith('claim lost')).map((l) => l.data?.order)).toEqual([victim]);
  });

  it('a fault recording one accepted send leaves that order to review, never sent twice; the others of its group are recorded', async () => {
    await sendLimit(4);
    const { ids, links } = await place(4);
    const victim = ids[2] as number;
    // A fault of the database for that one row (a trigger), whatever transaction records it.
    if (t().dialect === 'sqlite') {
      await sql
        .raw(
          `CREATE TRIGGER fail_one BEFORE UPDATE OF dispatch_state ON orders
           WHEN NEW.id = ${victim} AND NEW.dispatch_state = 'sent' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
        )
        .execute(db());
    } else {
      await sql
        .raw(
          `CREATE FUNCTION fail_one() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER fail_one BEFORE UPDATE ON orders FOR EACH ROW
           WHEN (NEW.id = ${victim} AND NEW.dispatch_state = 'sent') EXECUTE FUNCTION fail_one()`,
        )
        .execute(db());
    }
    // The four answers leave together, so that their records fall into one group.
    let arrived = 0;
    let releaseAll: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    u.handlers.add = (p, up) => ({
      json: { order: Number(up.createOrder(p).id) },
      before: async () => {
        if (++arrived === 4) releaseAll();
        await all;
      },
    });
    const e = makeEngine(db(), t().dialect, { staleSendingMs: 3_600_000 });
    try {
      await e.round();
    } finally {
      delete u.handlers.add;
      if (t().dialect === 'sqlite') await sql.raw('DROP TRIGGER fail_one').execute(db());
      else await sql.raw('DROP TRIGGER fail_one ON orders; DROP FUNCTION fail_one()').execute(db());
    }
    for (const id of ids.filter((x) => x !== victim)) {
      const o = await row(id);
      expect(o.dispatch_state, `order ${id}`).toBe('sent');
      expect(o.status).toBe('processing');
      expect(o.provider_order_id).toBe(u.orderByLink(o.link ?? '')?.id);
    }
    expect((await row(victim)).dispatch_state).toBe('sending');
    // The four records fell into one group (answers released together), whose transaction failed.
    expect(e.logs.filter((l) => l.msg.startsWith('recording a group of sends failed'))).toHaveLength(1);
    expect(e.logs.some((l) => l.level === 'error' && l.data?.order === victim)).toBe(true);
    // The stuck claim goes to review once stale; it is never sent again.
    e.advance(3_600_001);
    await e.rounds(2);
    expect((await row(victim)).dispatch_state).toBe('review');
    for (const link of links) expect(addsFor(link)).toBe(1);
    expect((await checkLedger({ db: db() })).problems).toEqual([]);
  });
});
