/**
 * The ledger: append-only entries, one per balance change, written in the same transaction as the
 * change to users.balance_units. A debit is one conditional UPDATE (balance >= amount), so two
 * concurrent debits can never overdraw a balance; the CHECK (balance_units >= 0) is the backstop.
 * Nothing here opens a transaction: callers pass theirs.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { toUnits } from '../money.js';

export type LedgerKind = 'deposit' | 'adjustment' | 'order_charge' | 'order_refund';

export interface EntryInput {
  userId: number;
  amountUnits: bigint;
  kind: LedgerKind;
  orderId?: number | null;
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
  if (e.amountUnits <= 0n) throw new RangeError('debit must be positive');
  const row = await tx
    .updateTable('users')
    .set({ balance_units: sql`balance_units - ${e.amountUnits}` })
    .where('id', '=', e.userId)
    .where('balance_units', '>=', e.amountUnits)
    .returning('balance_units')
    .executeTakeFirst();
  if (!row) return null;
  const after = toUnits(row.balance_units);
  await appendEntry(tx, e, -e.amountUnits, after);
  return after;
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

/** A user's or an order's entries, newest first. */
export async function findEntries(
  db: Executor,
  filter: { userId?: number; orderId?: number; limit: number },
): Promise<LedgerEntry[]> {
  let q = db.selectFrom('ledger_entries').selectAll();
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
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
