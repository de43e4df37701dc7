/**
 * Use case: an admin reverses a credited payment (a chargeback, a transfer that bounced). The credit is
 * taken back through the ledger, as far as the balance covers it: a balance never goes below zero, and
 * what it cannot cover is recorded on the payment as its shortfall, for the admin to settle with the
 * customer. The user's row is locked first, so an order placed at the same moment sees the balance
 * either before or after, never half.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { debitInTx, lockBalanceInTx } from '../ledger/ledger.repo.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { CREDITED_STATES } from './payment.state.js';
import { MAX_NOTE_CHARS, type StaffPaymentView, staffPaymentView } from './payment-rules.js';
import { findPayment, reversePaymentInTx } from './payments.repo.js';

export async function reversePayment(opts: {
  db: Executor;
  actor: Actor;
  paymentId: number;
  note: string;
  now?: number;
}): Promise<
  Result<
    StaffPaymentView,
    FailureOf<'forbidden' | 'unknown_payment' | 'payment_not_credited' | 'invalid_param'>
  >
> {
  const { db, actor } = opts;
  const now = opts.now ?? Date.now();
  if (!can(actor.role, 'payments.decide')) return fail({ code: 'forbidden' });
  const p = await findPayment(db, opts.paymentId);
  if (!p) return fail({ code: 'unknown_payment' });
  const note = opts.note.trim();
  if (note === '' || [...note].length > MAX_NOTE_CHARS) return fail({ code: 'invalid_param', param: 'note' });
  if (!CREDITED_STATES.includes(p.state))
    return fail({ code: 'payment_not_credited', paymentId: p.id, state: p.state });
  const won = await inTransaction(db, async (tx) => {
    const balance = await lockBalanceInTx(tx, p.userId);
    const taken = balance < p.creditedUnits ? balance : p.creditedUnits;
    const shortfall = p.creditedUnits - taken;
    const moved = await reversePaymentInTx(tx, p.id, p.state, {
      reversedUnits: taken,
      shortfallUnits: shortfall,
      decidedBy: actor.id,
      note,
      now,
    });
    if (!moved) return false;
    if (taken > 0n) {
      const after = await debitInTx(tx, {
        userId: p.userId,
        amountUnits: taken,
        kind: 'payment_reversal',
        paymentId: p.id,
        idemKey: `payment-reversal:${p.id}`,
        note: `reversal of payment ${p.id}`,
        now,
      });
      if (after === null) throw new Error(`balance of user ${p.userId} changed under its lock`);
    }
    await recordAudit(tx, {
      actor,
      action: 'payment.reverse',
      subject: { type: 'payment', id: p.id },
      before: { state: p.state, credited: formatAmount(p.creditedUnits), balance: formatAmount(balance) },
      after: { state: 'reversed', reversed: formatAmount(taken), shortfall: formatAmount(shortfall) },
      note,
      now,
    });
    return true;
  });
  const after = await findPayment(db, p.id);
  if (!after) return fail({ code: 'unknown_payment' });
  if (!won) return fail({ code: 'payment_not_credited', paymentId: p.id, state: after.state });
  return ok(staffPaymentView(after));
}
