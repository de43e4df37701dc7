/**
 * Calling the real API v2 through Fastify's inject (the whole HTTP stack, no socket), and seeding
 * users, services and funds through the same use cases the CLI uses.
 */

import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createUser } from '../../src/accounts/create-user.js';
import { SYSTEM } from '../../src/audit/actor.js';
import { createService, type ServiceInput } from '../../src/catalog/create-service.js';
import type { Database } from '../../src/db/schema.js';
import { buildServer } from '../../src/http/server.js';
import { adjustFunds } from '../../src/ledger/adjust-funds.js';
import { parseAmount, parseRate } from '../../src/money.js';
import { adminActor } from './actor.js';

export type Transport = 'form' | 'json' | 'get';

export async function makeApi(
  db: Kysely<Database>,
  opts: { rateLimitPerMinute?: number; redis?: Redis; redisPrefix?: string } = {},
): Promise<FastifyInstance> {
  const app = await buildServer({
    db,
    logLevel: 'silent',
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 1_000_000,
    redis: opts.redis,
    redisPrefix: opts.redisPrefix,
  });
  await app.ready();
  return app;
}

/** POST form-urlencoded (the primary transport), JSON, or GET with a query string. */
export async function callApi(
  app: FastifyInstance,
  params: Record<string, string | number>,
  transport: Transport = 'form',
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected by the tests
): Promise<{ statusCode: number; body: any; raw: string }> {
  const asStrings = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res =
    transport === 'get'
      ? await app.inject({ method: 'GET', url: `/api/v2?${new URLSearchParams(asStrings).toString()}` })
      : transport === 'json'
        ? await app.inject({ method: 'POST', url: '/api/v2', payload: params })
        : await app.inject({
            method: 'POST',
            url: '/api/v2',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams(asStrings).toString(),
          });
  return { statusCode: res.statusCode, body: JSON.parse(res.body), raw: res.body };
}

let seq = 0;
export const uniqueName = (prefix = 'user') =>
  `${prefix}${process.pid}_${++seq}_${Math.floor(Math.random() * 1e6)}`;

export async function seedUser(
  db: Kysely<Database>,
  balance = '0',
): Promise<{ id: number; username: string; apiKey: string }> {
  const username = uniqueName();
  const r = await createUser({ db, actor: SYSTEM, input: { username } });
  if (!r.ok) throw new Error(`seed user failed: ${r.failure.code}`);
  const units = parseAmount(balance);
  if (units === null) throw new Error(`bad balance ${balance}`);
  if (units > 0n) {
    const f = await adjustFunds({ db, actor: await adminActor(db), username, amountUnits: units });
    if (!f.ok) throw new Error('seed funds failed');
  }
  return r.value;
}

export async function seedService(
  db: Kysely<Database>,
  over: Partial<Omit<ServiceInput, 'rateUnits' | 'min' | 'max'>> & {
    rate?: string;
    min?: number;
    max?: number;
  } = {},
): Promise<number> {
  const rateUnits = parseRate(over.rate ?? '1.00');
  if (rateUnits === null) throw new Error(`bad rate ${over.rate}`);
  const r = await createService({
    db,
    actor: SYSTEM,
    input: {
      name: over.name ?? 'Followers',
      category: over.category ?? 'Instagram',
      type: over.type ?? 'Default',
      rateUnits,
      min: BigInt(over.min ?? 10),
      max: BigInt(over.max ?? 10000),
      dripfeed: over.dripfeed ?? false,
      refill: over.refill ?? false,
      cancel: over.cancel ?? false,
      description: over.description,
    },
  });
  if (!r.ok) throw new Error(`seed service failed: ${JSON.stringify(r.failure)}`);
  return r.value.id;
}
