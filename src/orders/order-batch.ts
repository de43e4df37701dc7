/**
 * Group commit of orders: orders placed at the same moment are written and debited in one
 * transaction, so that a busy account pays one commit (one fsync) for many orders instead of one each.
 * A child panel sends all its customers' orders from one account, so that account's `add` rate is what
 * a wholesale panel lives on; one transaction per order made it wait for the disk once per order.
 *
 * What does not change: an order is answered only once its row and its debit are committed; the
 * orders of a batch are decided in the order they arrived, each against the balance left by the ones
 * before it (an order the balance does not cover is refused and takes nothing, the others go on); one
 * order that fails for any other reason never fails another: when the batch's transaction fails before
 * committing, nothing of it happened, and every order of it is placed again on its own.
 *
 * Batches form by themselves: while one batch's transaction runs, the orders that arrive wait for it
 * and go together in the next one; an order that arrives when nothing runs is written at once (after
 * the current turn of the event loop, which lets the requests already read join it).
 *
 * On Postgres a batch holds one account's orders (different accounts commit in parallel, on their own
 * connections); on SQLite, where one process has a single writer anyway, a batch holds every account's.
 */
import { dialectOf, type Executor } from '../db/executor.js';
import { inTransaction, isTransientDbError } from '../db/transaction.js';
import { appendChargeEntriesInTx, lockBalanceInTx, takeFromBalanceInTx } from '../ledger/ledger.repo.js';
import { fitsOneJsonArray, insertChargedOrdersPgInTx, insertOrders, type NewOrder } from './orders.repo.js';

/** Most orders one transaction writes (bounds the time a batch holds the account's row). */
export const MAX_BATCH = 200;

export type BatchOutcome =
  | { ok: true; orderId: number }
  | { ok: false; code: 'insufficient_funds' | 'amount_too_large' };

interface Pending {
  order: NewOrder;
  resolve: (outcome: BatchOutcome) => void;
  reject: (err: unknown) => void;
}

/** An account's (or, on SQLite, the database's) orders waiting; it exists while it is drained. */
interface Queue {
  waiting: Pending[];
}

/**
 * Placing one order on its own (the path every order took before batching): used for an order whose
 * batch failed, so that its own fault, if any, is the only one it meets.
 */
export type PlaceAlone = (order: NewOrder) => Promise<BatchOutcome>;

class OrderBatcher {
  readonly #queues = new Map<string, Queue>();

  constructor(
    readonly db: Executor,
    readonly perAccount: boolean,
  ) {}

  submit(order: NewOrder, alone: PlaceAlone): Promise<BatchOutcome> {
    const key = this.perAccount ? String(order.user_id) : '*';
    return new Promise<BatchOutcome>((resolve, reject) => {
      const queue = this.#queues.get(key);
      if (queue) {
        queue.waiting.push({ order, resolve, reject });
        return;
      }
      const started: Queue = { waiting: [{ order, resolve, reject }] };
      this.#queues.set(key, started);
      setImmediate(() => void this.#drain(key, started, alone));
    });
  }

  async #drain(key: string, q: Queue, alone: PlaceAlone): Promise<void> {
    while (q.waiting.length > 0) {
      const batch = q.waiting.splice(0, MAX_BATCH);
      await this.#run(batch, alone);
    }
    // Nothing waits (and nothing can arrive before this line): the next order starts a new queue.
    this.#queues.delete(key);
  }

  async #run(batch: Pending[], alone: PlaceAlone): Promise<void> {
    let outcomes: BatchOutcome[];
    let reachedCommit = false;
    try {
      outcomes = await inTransaction(this.db, async (tx) => {
        reachedCommit = false;
        const result = await writeBatchInTx(
          tx,
          batch.map((p) => p.order),
          this.perAccount,
        );
        reachedCommit = true;
        return result;
      });
    } catch (err) {
      if (reachedCommit || isTransientDbError(err)) {
        // The commit itself failed: whether it happened is unknown, so no order of it may be placed
        // again (it could be charged twice). Or the database kept failing transiently past the
        // retries, which a lone order would meet too. Each request fails as a single order's would.
        for (const p of batch) p.reject(err);
        return;
      }
      // Nothing of the batch was written: every order is placed again on its own, so one order's
      // fault (a value the database refuses, an amount too large) is met by that order only.
      await Promise.all(batch.map((p) => alone(p.order).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => {
      p.resolve(outcomes[i] as BatchOutcome);
    });
  }
}

/**
 * The batch's work in its transaction, per account: take the sum of its orders' charges in one
 * conditional debit; when the balance does not cover them all, lock it and take the orders in arrival
 * order while it covers them (the others are refused), then debit those. Then write the orders and one
 * ledger entry each (each names its order and the balance right after it). Arrival order is kept: ids,
 * entries and balances read as if the orders had been placed one after the other. On Postgres the
 * covered case is one statement (insertChargedOrdersPgInTx): with the event loop busy, every round trip
 * of a batch's transaction costs milliseconds, and the account's next batch waits for this one.
 */
async function writeBatchInTx(tx: Executor, orders: NewOrder[], postgres: boolean): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = new Array(orders.length);
  const byAccount = new Map<number, number[]>();
  orders.forEach((o, i) => {
    const list = byAccount.get(o.user_id);
    if (list) list.push(i);
    else byAccount.set(o.user_id, [i]);
  });
  const chargeOf = (i: number) => BigInt((orders[i] as NewOrder).charge_units);
  for (const [userId, indexes] of byAccount) {
    let accepted = indexes;
    const total = indexes.reduce((sum, i) => sum + chargeOf(i), 0n);
    const rows = indexes.map((i) => orders[i] as NewOrder);
    let after: bigint | null = null;
    if (postgres && indexes.every((i) => chargeOf(i) > 0n) && fitsOneJsonArray(rows)) {
      // Postgres: debit, orders and entries in one statement when the balance covers them all (the
      // common case: one round trip instead of three); otherwise nothing was written, and the orders
      // are decided one by one below.
      const ids = await insertChargedOrdersPgInTx(tx, userId, total, rows);
      if (ids !== null) {
        indexes.forEach((i, k) => {
          outcomes[i] = { ok: true, orderId: ids[k] as number };
        });
        continue;
      }
    } else if (total > 0n) after = await takeFromBalanceInTx(tx, userId, total);
    if (total > 0n && after === null) {
      let left = await lockBalanceInTx(tx, userId);
      accepted = [];
      for (const i of indexes) {
        if (chargeOf(i) > left) {
          outcomes[i] = { ok: false, code: 'insufficient_funds' };
          continue;
        }
        left -= chargeOf(i);
        accepted.push(i);
      }
      const acceptedTotal = accepted.reduce((sum, i) => sum + chargeOf(i), 0n);
      if (acceptedTotal > 0n) {
        after = await takeFromBalanceInTx(tx, userId, acceptedTotal);
        // Checked under the same lock: a refusal here is a fault, and rolls the batch back.
        if (after === null)
          throw new Error(`order batch: the balance of user ${userId} changed under its lock`);
      }
    }
    if (accepted.length === 0) continue;
    const ids = await insertOrders(
      tx,
      accepted.map((i) => orders[i] as NewOrder),
    );
    const charges: { orderId: number; amountUnits: bigint; now: number }[] = [];
    accepted.forEach((i, k) => {
      const orderId = ids[k] as number;
      if (chargeOf(i) > 0n)
        charges.push({ orderId, amountUnits: chargeOf(i), now: Number((orders[i] as NewOrder).created_at) });
      outcomes[i] = { ok: true, orderId };
    });
    if (charges.length > 0 && after !== null) await appendChargeEntriesInTx(tx, userId, after, charges);
  }
  return outcomes;
}

const batchers = new WeakMap<Executor, OrderBatcher>();

/**
 * Place `order` (already validated and priced, with its charge and no reserve) in the next batch of
 * `db`. `alone` places it by itself when its batch fails.
 */
export function placeInBatch(db: Executor, order: NewOrder, alone: PlaceAlone): Promise<BatchOutcome> {
  let b = batchers.get(db);
  if (!b) {
    b = new OrderBatcher(db, dialectOf(db) === 'postgres');
    batchers.set(db, b);
  }
  return b.submit(order, alone);
}
