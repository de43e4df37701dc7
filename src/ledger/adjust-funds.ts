/**
 * Use case: the operator adds funds to a user (positive amount) or deducts them (negative). A deduction
 * never takes a balance below zero: it is refused whole instead.
 */

import { findUserByUsername } from '../accounts/users.repo.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { creditInTx, debitInTx } from './ledger.repo.js';

export async function adjustFunds(opts: {
  db: Executor;
  username: string;
  amountUnits: bigint;
  note?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { userId: number; balanceUnits: bigint },
    FailureOf<'zero_amount' | 'unknown_user' | 'insufficient_funds'>
  >
> {
  const { db, amountUnits } = opts;
  const now = opts.now ?? Date.now();
  if (amountUnits === 0n) return fail({ code: 'zero_amount' });
  const user = await findUserByUsername(db, opts.username);
  if (!user) return fail({ code: 'unknown_user' });
  const note = opts.note ?? null;
  const balance = await inTransaction(db, async (tx) => {
    if (amountUnits > 0n) {
      return creditInTx(tx, { userId: user.id, amountUnits, kind: 'deposit', note, now });
    }
    return debitInTx(tx, { userId: user.id, amountUnits: -amountUnits, kind: 'adjustment', note, now });
  });
  if (balance === null) return fail({ code: 'insufficient_funds' });
  return ok({ userId: user.id, balanceUnits: balance });
}
