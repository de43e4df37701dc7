/**
 * Seeding the database before anything is measured, through the same use cases the CLI and the API
 * use: a catalogue of 50 services (a few with the user's own rate), the benchmark user with a balance
 * so large that `add` never runs out, 100 orders of theirs to ask the status of, and 50 other users
 * (one per connection of the "add, 50 users") with 40 orders each, so the tables are not trivially small.
 */

import { createUser } from '../src/accounts/create-user.js';
import { SYSTEM } from '../src/audit/actor.js';
import { createService } from '../src/catalog/create-service.js';
import { setUserRate } from '../src/catalog/set-user-rate.js';
import { openDatabase } from '../src/db/connect.js';
import { parseRate } from '../src/money.js';
import type { Params } from '../src/orders/order-input.js';
import { placeOrder } from '../src/orders/place-order.js';
import { benchAdmin } from './admin.js';

export const SERVICE_COUNT = 50;
export const STATUS_ORDERS = 100;
export const OTHER_USERS = 50;
export const ORDERS_PER_OTHER_USER = 40;
/** 10^11 of the currency (10^18 units): `add` at ~1 per order could run for centuries. */
const HUGE_BALANCE_UNITS = 10n ** 18n;
export const ADD_LINK = 'https://www.instagram.com/p/Cbench0001/';
export const ADD_QUANTITY = 1000;

const CATEGORIES = [
  'Instagram Followers',
  'Instagram Likes',
  'TikTok Views',
  'YouTube Views',
  'Telegram Members',
];

export interface Seeded {
  apiKey: string;
  /** An order of the benchmark user, for `status` with one id. */
  orderId: number;
  /** 100 orders of the benchmark user, for `status` with `orders=`. */
  orderIds: number[];
  /** The service `add` orders (one with a per-user rate, so the rate join is exercised). */
  serviceId: number;
  otherKeys: string[];
}

function params(values: Record<string, string>): Params {
  return { get: (name) => values[name], isMalformed: () => false };
}

function rate(text: string): bigint {
  const r = parseRate(text);
  if (r === null) throw new Error(`bad rate ${text}`);
  return r;
}

export async function seed(url: string): Promise<Seeded> {
  const { db, close } = await openDatabase(url);
  try {
    const serviceIds: number[] = [];
    for (let i = 0; i < SERVICE_COUNT; i++) {
      const category = CATEGORIES[i % CATEGORIES.length] ?? 'Other';
      const r = await createService({
        db,
        actor: SYSTEM,
        input: {
          name: `${category} [bench ${i + 1}] - Real quality, fast start, ${(i % 7) + 1}k/day`,
          category,
          type: 'Default',
          rateUnits: rate((0.5 + i * 0.1375).toFixed(4)),
          min: 10n,
          max: 1_000_000n,
          dripfeed: i % 3 === 0,
          refill: i % 2 === 0,
          cancel: i % 4 === 0,
          description: `Start 0-1 h. Speed up to ${(i % 7) + 1}k per day. Refill ${i % 2 === 0 ? '30 days' : 'none'}. Link: public profile or post.`,
        },
      });
      if (!r.ok) throw new Error(`seed service failed: ${r.failure.code}`);
      serviceIds.push(r.value.id);
    }

    const main = await createUser({
      db,
      actor: SYSTEM,
      input: { username: 'bench_main', balanceUnits: HUGE_BALANCE_UNITS },
    });
    if (!main.ok) throw new Error(`seed user failed: ${main.failure.code}`);
    const serviceId = serviceIds[7] ?? 1;
    for (const id of [serviceId, serviceIds[12] ?? 2, serviceIds[31] ?? 3]) {
      const r = await setUserRate({
        db,
        actor: await benchAdmin(db),
        username: 'bench_main',
        serviceId: id,
        rateUnits: rate('0.9'),
      });
      if (!r.ok) throw new Error(`seed user rate failed: ${r.failure.code}`);
    }

    const order = async (userId: number, service: number): Promise<number> => {
      const r = await placeOrder({
        db,
        userId,
        serviceId: String(service),
        params: params({ link: ADD_LINK, quantity: String(ADD_QUANTITY) }),
      });
      if (!r.ok) throw new Error(`seed order failed: ${r.failure.code}`);
      return r.value.orderId;
    };

    const otherKeys: string[] = [];
    for (let u = 0; u < OTHER_USERS; u++) {
      const other = await createUser({
        db,
        actor: SYSTEM,
        input: { username: `bench_user_${u}`, balanceUnits: HUGE_BALANCE_UNITS },
      });
      if (!other.ok) throw new Error(`seed user failed: ${other.failure.code}`);
      otherKeys.push(other.value.apiKey);
      for (let k = 0; k < ORDERS_PER_OTHER_USER; k++) {
        await order(other.value.id, serviceIds[(u + k) % SERVICE_COUNT] ?? serviceId);
      }
    }

    const orderIds: number[] = [];
    for (let k = 0; k < STATUS_ORDERS; k++) {
      orderIds.push(await order(main.value.id, serviceIds[k % SERVICE_COUNT] ?? serviceId));
    }
    return {
      apiKey: main.value.apiKey,
      orderId: orderIds[Math.floor(orderIds.length / 2)] ?? 1,
      orderIds,
      serviceId,
      otherKeys,
    };
  } finally {
    await close();
  }
}
