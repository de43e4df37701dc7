/**
 * Transactions that survive the database's transient failures. A Postgres serialization failure, a
 * deadlock, or a connection lost while the transaction was still open (SQLite: the database stayed
 * locked past the busy timeout) means the transaction was rolled back: nothing of it happened, and
 * running it again is safe; the caller's work is retried a few times with a short pause. A failure
 * while committing is never retried: the commit may have happened, and running an order's charge again
 * could charge it twice, so that one is thrown like any fault.
 */
import type { Executor } from './executor.js';

/** Postgres SQLSTATEs and driver codes after which the transaction surely did not commit. */
const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (the server ended our connection)
  '57P02', // crash_shutdown
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  'ECONNRESET',
  'EPIPE',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
]);
const TRANSIENT_MESSAGES =
  /^(Connection terminated( unexpectedly)?|Client has encountered a connection error)/;

export function isTransientDbError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message);
}

export interface RetryOptions {
  /** Attempts in all (default 4). */
  attempts?: number;
  /** Pause before the n-th retry: base × n, plus jitter (default 20 ms). */
  baseDelayMs?: number;
}

/** Run `work` in a transaction, again (up to `attempts` in all) when it failed transiently before committing. */
export async function inTransaction<T>(
  db: Executor,
  work: (tx: Executor) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    let workDone = false;
    try {
      return await db.transaction().execute(async (tx) => {
        const value = await work(tx);
        workDone = true;
        return value;
      });
    } catch (err) {
      // After the work finished the error came from COMMIT: whether it committed is unknown.
      if (workDone || attempt >= attempts || !isTransientDbError(err)) throw err;
      await new Promise((r) => setTimeout(r, base * attempt + Math.random() * base));
    }
  }
}

/** Carries a failed result out of a transaction so that it rolls back (see inTransactionUnlessFailed). */
class FailedResult<R> extends Error {
  constructor(readonly result: R) {
    super("the transaction's work returned a failure");
  }
}

/**
 * Like inTransaction, for work that returns a Result: a failure rolls back whatever the work wrote
 * before it found the failure, so a refused operation never leaves half a change behind.
 */
export async function inTransactionUnlessFailed<R extends { ok: boolean }>(
  db: Executor,
  work: (tx: Executor) => Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  try {
    return await inTransaction(
      db,
      async (tx) => {
        const r = await work(tx);
        if (!r.ok) throw new FailedResult(r);
        return r;
      },
      options,
    );
  } catch (err) {
    if (err instanceof FailedResult) return err.result as R;
    throw err;
  }
}
