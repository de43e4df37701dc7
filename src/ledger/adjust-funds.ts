/**
 * Use case: the operator adds funds to a user (positive amount) or deducts them (negative). A deduction
 * never takes a balance below zero: it is refused whole instead.
 */

import { can } from '../accounts/roles.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { creditInTx, debitInTx } from './ledger.repo.js';

export async function adjustFunds(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  amountUnits: bigint;
  note?: string | undefined;
  now?: number;
}): Promise<
  Result<
    { userId: number; balanceUnits: bigint },
    FailureOf<'zero_amount' | 'unknown_user' | 'insufficient_funds' | 'forbidden'>
  >
> {
  const { db, amountUnits } = opts;
  const now = opts.now ?? Date.now();
  if (!can(opts.actor.role, 'funds.adjust')) return fail({ code: 'forbidden' });
  if (amountUnits === 0n) return fail({ code: 'zero_amount' });
  const user = await findUserByUsername(db, opts.username);
  if (!user) return fail({ code: 'unknown_user' });
  const note = opts.note ?? null;
  const balance = await inTransaction(db, async (tx) => {
    const after =
      amountUnits > 0n
        ? await creditInTx(tx, { userId: user.id, amountUnits, kind: 'deposit', note, now })
        : await debitInTx(tx, { userId: user.id, amountUnits: -amountUnits, kind: 'adjustment', note, now });
    if (after === null) return null;
    await recordAudit(tx, {
      actor: opts.actor,
      action: 'funds.adjust',
      subject: { type: 'user', id: user.id },
      before: { balance: formatAmount(after - amountUnits) },
      after: { balance: formatAmount(after), amount: formatAmount(amountUnits) },
      note,
      now,
    });
    return after;
  });
  if (balance === null) return fail({ code: 'insufficient_funds' });
  return ok({ userId: user.id, balanceUnits: balance });
}
