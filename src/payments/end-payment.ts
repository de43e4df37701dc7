/**
 * The one step that ends a pending payment: a compare-and-set from `pending` and, when something is
 * credited, the ledger credit that names the payment (key `payment:<id>`), both in the caller's
 * transaction. The gateway's word (apply-gateway-update.ts) and an admin's decision
 * (decide-payment.ts) both end payments through it, so "credited at most once, with the move" is
 * written in one place.
 */
import type { Executor } from '../db/executor.js';
import { creditInTx } from '../ledger/ledger.repo.js';
import type { PaymentState } from './payment.state.js';
import { creditFor } from './payment-rules.js';
import { endPaymentInTx, type PaymentRow } from './payments.repo.js';

/** What was credited, or null when the payment was no longer pending (someone ended it first). */
export async function endPaymentInTxWithCredit(
  tx: Executor,
  p: PaymentRow,
  to: PaymentState,
  v: {
    /** What arrived (null: nothing was confirmed, nothing is credited). */
    receivedUnits: bigint | null;
    gatewayStatus?: string | null;
    decidedBy?: number | null;
    note?: string | null;
    now: number;
  },
): Promise<{ creditedUnits: bigint } | null> {
  const credited = v.receivedUnits === null ? 0n : creditFor(v.receivedUnits, p.adjustBp);
  const moved = await endPaymentInTx(tx, p.id, to, { ...v, creditedUnits: credited });
  if (!moved) return null;
  if (credited > 0n)
    await creditInTx(tx, {
      userId: p.userId,
      amountUnits: credited,
      kind: 'payment_credit',
      paymentId: p.id,
      idemKey: `payment:${p.id}`,
      note: `${p.methodName} payment ${p.id}`,
      now: v.now,
    });
  return { creditedUnits: credited };
}
