/**
 * The ledger: append-only entries, one per balance change, written in the same transaction as the
 * change to users.balance_units. A debit is one conditional UPDATE (balance >= amount), so two
 * concurrent debits can never overdraw a balance; the CHECK (balance_units >= 0) is the backstop.
 * Nothing here opens a transaction: callers pass theirs.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';

/**
 * `order_reserve` sets money aside for a subscription without a post limit (a debit);
 * `order_reserve_return` takes it back out of the reserve (a credit), to pay delivered posts (an
 * `order_charge` follows in the same transaction) or because the subscription ended.
 */
export type LedgerKind =
  | 'deposit'
  | 'adjustment'
  | 'order_charge'
  | 'order_refund'
  | 'order_reserve'
  | 'order_reserve_return'
  | 'payment_credit'
  | 'payment_reversal';

/** The kinds that move money into or out of an order's reserve (orders.reserve_units). */
export const RESERVE_KINDS: LedgerKind[] = ['order_reserve', 'order_reserve_return'];

export interface EntryInput {
  userId: number;
  amountUnits: bigint;
  kind: LedgerKind;
  orderId?: number | null;
  /** The payment a `payment_credit` / `payment_reversal` entry belongs to. */
  paymentId?: number | null;
  /** Unique per logical event (e.g. `refund:order:42`): a second attempt fails instead of paying twice. */
  idemKey?: string | null;
  note?: string | null;
  now: number;
}

async function appendEntry(
  tx: Executor,
  e: EntryInput,
  signedAmount: bigint,
  balanceAfter: bigint,
): Promise<void> {
  await tx
    .insertInto('ledger_entries')
    .values({
      user_id: e.userId,
      amount_units: signedAmount,
      balance_after_units: balanceAfter,
      kind: e.kind,
      order_id: e.orderId ?? null,
      payment_id: e.paymentId ?? null,
      idem_key: e.idemKey ?? null,
      note: e.note ?? null,
      created_at: e.now,
    })
    .execute();
}

/**
 * Take `amountUnits` (> 0) from the user's balance if it covers it. Returns the balance after, or null
 * when the funds are not there (nothing is changed then).
 */
export async function debitInTx(tx: Executor, e: EntryInput): Promise<bigint | null> {
  const after = await takeFromBalanceInTx(tx, e.userId, e.amountUnits);
  if (after === null) return null;
  await appendEntry(tx, e, -e.amountUnits, after);
  return after;
}

/**
 * Take `amountUnits` (> 0) from the user's balance if it covers it, without a ledger entry: the
 * caller writes the entries (appendChargeEntriesInTx) in the same transaction. Returns the balance
 * after, or null when the funds are not there (nothing changed then).
 */
export async function takeFromBalanceInTx(
  tx: Executor,
  userId: number,
  amountUnits: bigint,
): Promise<bigint | null> {
  if (amountUnits <= 0n) throw new RangeError('debit must be positive');
  const row = await tx
    .updateTable('users')
    .set({ balance_units: sql`balance_units - ${amountUnits}` })
    .where('id', '=', userId)
    .where('balance_units', '>=', amountUnits)
    .returning('balance_units')
    .executeTakeFirst();
  return row ? toUnits(row.balance_units) : null;
}

/**
 * The `order_charge` entries of several charges just taken together (takeFromBalanceInTx) from one
 * user's balance, one per order in this order, each with the balance right after it, as if they had
 * been taken one after the other; `balanceAfter` is the balance after the last.
 */
export async function appendChargeEntriesInTx(
  tx: Executor,
  userId: number,
  balanceAfter: bigint,
  charges: { orderId: number; amountUnits: bigint; now: number }[],
): Promise<void> {
  let running = balanceAfter;
  for (const c of charges) running += c.amountUnits;
  const entries = charges.map((c) => {
    running -= c.amountUnits;
    return {
      user_id: userId,
      amount_units: -c.amountUnits,
      balance_after_units: running,
      kind: 'order_charge' as const,
      order_id: c.orderId,
      payment_id: null,
      idem_key: `charge:order:${c.orderId}`,
      note: null,
      created_at: c.now,
    };
  });
  await tx.insertInto('ledger_entries').values(entries).execute();
}

/**
 * Lock the user's row for the rest of the transaction (Postgres: the row lock of an UPDATE; SQLite:
 * the transaction already holds the write lock) and read the balance, for a change that depends on it.
 */
export async function lockBalanceInTx(tx: Executor, userId: number): Promise<bigint> {
  const row = await tx
    .updateTable('users')
    .set({ balance_units: sql`balance_units` })
    .where('id', '=', userId)
    .returning('balance_units')
    .executeTakeFirstOrThrow();
  return toUnits(row.balance_units);
}

/** Add `amountUnits` (> 0) to the user's balance. Returns the balance after. */
export async function creditInTx(tx: Executor, e: EntryInput): Promise<bigint> {
  if (e.amountUnits <= 0n) throw new RangeError('credit must be positive');
  const row = await tx
    .updateTable('users')
    .set({ balance_units: sql`balance_units + ${e.amountUnits}` })
    .where('id', '=', e.userId)
    .returning('balance_units')
    .executeTakeFirstOrThrow();
  // On SQLite an overflowing sum would turn into a float: toUnits refuses it and the transaction rolls back.
  const after = toUnits(row.balance_units);
  await appendEntry(tx, e, e.amountUnits, after);
  return after;
}

/** Every user's balance beside the sum of their entries (ledger check). */
export async function sumEntriesPerUser(db: Executor) {
  return db
    .selectFrom('users')
    .leftJoin('ledger_entries', 'ledger_entries.user_id', 'users.id')
    .select((eb) => [
      'users.id as id',
      'users.balance_units as balance',
      eb.fn.coalesce(eb.fn.sum<string>('ledger_entries.amount_units'), eb.val(0)).as('total'),
    ])
    .groupBy(['users.id', 'users.balance_units'])
    .execute();
}

/**
 * Every order's charge, refunds and reserve beside the sums of its charge, refund and reserve entries
 * (ledger check).
 */
export async function sumEntriesPerOrder(db: Executor) {
  return db
    .selectFrom('orders')
    .leftJoin('ledger_entries', 'ledger_entries.order_id', 'orders.id')
    .select((eb) => [
      'orders.id as id',
      'orders.user_id as userId',
      'orders.charge_units as charge',
      'orders.refunded_units as refunded',
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb
              .case()
              .when('ledger_entries.kind', '=', 'order_charge')
              .then(eb.ref('ledger_entries.amount_units'))
              .else(0)
              .end(),
          ),
          eb.val(0),
        )
        .as('charged'),
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb
              .case()
              .when('ledger_entries.kind', '=', 'order_refund')
              .then(eb.ref('ledger_entries.amount_units'))
              .else(0)
              .end(),
          ),
          eb.val(0),
        )
        .as('refundedEntries'),
      eb.fn
        .coalesce(
          eb.fn.sum<string>(
            eb
              .case()
              .when('ledger_entries.kind', 'in', RESERVE_KINDS)
              .then(eb.ref('ledger_entries.amount_units'))
              .else(0)
              .end(),
          ),
          eb.val(0),
        )
        .as('reservedEntries'),
      'orders.reserve_units as reserve',
      'orders.status as status',
    ])
    .groupBy([
      'orders.id',
      'orders.user_id',
      'orders.charge_units',
      'orders.refunded_units',
      'orders.reserve_units',
      'orders.status',
    ])
    .execute();
}

/** Entries naming an order that does not exist or belongs to another user (ledger check). */
export async function entriesWithForeignOrder(db: Executor) {
  return db
    .selectFrom('ledger_entries')
    .leftJoin('orders', 'orders.id', 'ledger_entries.order_id')
    .select([
      'ledger_entries.id as entryId',
      'ledger_entries.user_id as userId',
      'ledger_entries.order_id as orderId',
      'orders.user_id as orderUserId',
    ])
    .where('ledger_entries.order_id', 'is not', null)
    .where((eb) =>
      eb.or([eb('orders.id', 'is', null), eb('orders.user_id', '!=', eb.ref('ledger_entries.user_id'))]),
    )
    .orderBy('ledger_entries.id')
    .execute();
}

/**
 * Entries whose balance after does not follow from the entry before it in the same account (the
 * balance before, plus the amount). Entries of one account are numbered in the order their balance
 * changes were made: each change holds the account's row lock until it commits.
 */
export async function brokenBalanceChain(db: Executor) {
  const rows = await sql<{ entryId: unknown; userId: unknown; expected: unknown; actual: unknown }>`
    select id as "entryId", user_id as "userId", previous + amount_units as expected, balance_after_units as actual
    from (
      select id, user_id, amount_units, balance_after_units,
             coalesce(lag(balance_after_units) over (partition by user_id order by id), 0) as previous
      from ledger_entries
    ) chained
    where previous + amount_units <> balance_after_units
    order by id`.execute(db);
  return rows.rows;
}

/**
 * Orders with more than one charge entry, not counting the per-post charges of a subscription (whose
 * keys are `charge:order:<id>:posts:<from>-<to>`): an order is charged once.
 */
export async function ordersChargedTwice(db: Executor) {
  return db
    .selectFrom('ledger_entries')
    .select((eb) => ['order_id as orderId', 'user_id as userId', eb.fn.countAll().as('charges')])
    .where('kind', '=', 'order_charge')
    .where('order_id', 'is not', null)
    .where((eb) => eb.or([eb('idem_key', 'is', null), eb('idem_key', 'not like', 'charge:order:%:posts:%')]))
    .groupBy(['order_id', 'user_id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .orderBy('order_id')
    .execute();
}

export interface LedgerEntry {
  id: number;
  userId: number;
  amountUnits: bigint;
  balanceAfterUnits: bigint;
  kind: LedgerKind;
  orderId: number | null;
  note: string | null;
  createdAt: number;
}

/**
 * A user's or an order's entries, newest first (by id: entries are appended, so id order is time
 * order, and it is unique where timestamps may be equal); `beforeId` starts after a page's last one.
 */
export async function findEntries(
  db: Executor,
  filter: { userId?: number; orderId?: number; beforeId?: number | undefined; limit: number },
): Promise<LedgerEntry[]> {
  let q = db.selectFrom('ledger_entries').selectAll();
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    userId: Number(r.user_id),
    amountUnits: toUnits(r.amount_units),
    balanceAfterUnits: toUnits(r.balance_after_units),
    kind: r.kind as LedgerKind,
    orderId: r.order_id === null ? null : Number(r.order_id),
    note: r.note,
    createdAt: Number(r.created_at),
  }));
}
