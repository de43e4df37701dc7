/**
 * Small helpers shared by the API v2 suites: reading what a request left in the database (so a test
 * can prove a refused request changed nothing) and moving orders the way the operator does.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { toUnits } from '../../src/money.js';
import type { OrderStatus } from '../../src/orders/order.state.js';
import { findOrder, type Order } from '../../src/orders/orders.repo.js';
import { changeOrderStatus } from '../../src/orders/settle.js';

/** What a user owns in the database: balance, order rows, ledger entries, refill rows. */
export interface UserFootprint {
  balanceUnits: bigint;
  orders: number;
  ledgerEntries: number;
  refills: number;
}

export async function footprint(db: Kysely<Database>, userId: number): Promise<UserFootprint> {
  const user = await db
    .selectFrom('users')
    .select('balance_units')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const count = async (table: 'orders' | 'ledger_entries' | 'refills') => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return {
    balanceUnits: toUnits(user.balance_units),
    orders: await count('orders'),
    ledgerEntries: await count('ledger_entries'),
    refills: await count('refills'),
  };
}

/** The order row as the repository reads it; throws if it does not exist. */
export async function orderOf(db: Kysely<Database>, orderId: number): Promise<Order> {
  const o = await findOrder(db, orderId);
  if (!o) throw new Error(`order ${orderId} not found`);
  return o;
}

/** Move an order as the operator would; throws when the move is refused. */
export async function moveOrder(
  db: Kysely<Database>,
  orderId: number,
  status: OrderStatus,
  extra: { remains?: bigint; startCount?: bigint } = {},
): Promise<Order> {
  const r = await changeOrderStatus({ db, orderId, change: { status, ...extra } });
  if (!r.ok) throw new Error(`changeOrderStatus(${orderId}, ${status}) failed: ${JSON.stringify(r.failure)}`);
  return r.value.order;
}
