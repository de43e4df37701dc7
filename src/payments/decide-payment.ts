/**
 * Use cases: an admin approves a pending payment (a manual one: the transfer arrived) with the amount
 * that really arrived, or rejects it with a note. Support staff never move money (payments.decide is
 * admin only). Approving is a compare-and-set from pending in the transaction that credits, so two
 * admins approving at once (or a double click) credit once; the second is told the payment is no
 * longer pending.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { endPaymentInTxWithCredit } from './end-payment.js';
import { notifyPaymentEnded } from './notify-payment.js';
import {
  MAX_NOTE_CHARS,
  parsePaymentAmount,
  type StaffPaymentView,
  staffPaymentView,
} from './payment-rules.js';
import { findMethod, findPayment, type PaymentRow } from './payments.repo.js';

type DecideFailure = FailureOf<
  | 'forbidden'
  | 'unknown_payment'
  | 'payment_not_pending'
  | 'invalid_payment_amount'
  | 'payment_above_max'
  | 'invalid_param'
>;

/** What both decisions check first: the staff member may decide, the payment exists, the note fits. */
async function decision(opts: {
  db: Executor;
  actor: Actor;
  paymentId: number;
  note?: string | undefined;
}): Promise<
  Result<
    { payment: PaymentRow; note: string | null },
    FailureOf<'forbidden' | 'unknown_payment' | 'invalid_param'>
  >
> {
  if (!can(opts.actor.role, 'payments.decide')) return fail({ code: 'forbidden' });
  const payment = await findPayment(opts.db, opts.paymentId);
  if (!payment) return fail({ code: 'unknown_payment' });
  const note = cleanNote(opts.note);
  if (note === undefined) return fail({ code: 'invalid_param', param: 'note' });
  return ok({ payment, note });
}

function cleanNote(note: string | undefined): string | null | undefined {
  const text = (note ?? '').trim();
  if (text === '') return null;
  if ([...text].length > MAX_NOTE_CHARS) return undefined;
  return text;
}

export async function approvePayment(opts: {
  db: Executor;
  actor: Actor;
  paymentId: number;
  /** What arrived (default: the amount asked). */
  received?: string | undefined;
  note?: string | undefined;
  now?: number;
}): Promise<Result<StaffPaymentView, DecideFailure>> {
  const { db, actor } = opts;
  const now = opts.now ?? Date.now();
  const d = await decision(opts);
  if (!d.ok) return d;
  const { payment: p, note } = d.value;
  let received = p.amountUnits;
  if (opts.received !== undefined && opts.received.trim() !== '') {
    const parsed = parsePaymentAmount(opts.received);
    if (parsed === null) return fail({ code: 'invalid_payment_amount' });
    received = parsed;
  }
  // A typo must not credit a fortune: what arrived stays within the method's largest amount (more than
  // that is a funds adjustment, with its own note).
  const method = await findMethod(db, p.methodId);
  if (method && received > method.maxUnits)
    return fail({ code: 'payment_above_max', max: formatAmount(method.maxUnits) });
  if (p.state !== 'pending') return fail({ code: 'payment_not_pending', paymentId: p.id, state: p.state });
  const to = received < p.amountUnits ? 'partial' : 'completed';
  const won = await inTransaction(db, async (tx) => {
    const ended = await endPaymentInTxWithCredit(tx, p, to, {
      receivedUnits: received,
      decidedBy: actor.id,
      note,
      now,
    });
    if (!ended) return false;
    await recordAudit(tx, {
      actor,
      action: 'payment.approve',
      subject: { type: 'payment', id: p.id },
      before: { state: 'pending', amount: formatAmount(p.amountUnits) },
      after: { state: to, received: formatAmount(received), credited: formatAmount(ended.creditedUnits) },
      note,
      now,
    });
    return true;
  });
  return finish(db, p.id, won);
}

export async function rejectPayment(opts: {
  db: Executor;
  actor: Actor;
  paymentId: number;
  note?: string | undefined;
  now?: number;
}): Promise<Result<StaffPaymentView, DecideFailure>> {
  const { db, actor } = opts;
  const now = opts.now ?? Date.now();
  const d = await decision(opts);
  if (!d.ok) return d;
  const { payment: p, note } = d.value;
  if (p.state !== 'pending') return fail({ code: 'payment_not_pending', paymentId: p.id, state: p.state });
  const won = await inTransaction(db, async (tx) => {
    if (
      !(await endPaymentInTxWithCredit(tx, p, 'rejected', {
        receivedUnits: null,
        decidedBy: actor.id,
        note,
        now,
      }))
    )
      return false;
    await recordAudit(tx, {
      actor,
      action: 'payment.reject',
      subject: { type: 'payment', id: p.id },
      before: { state: 'pending' },
      after: { state: 'rejected' },
      note,
      now,
    });
    return true;
  });
  return finish(db, p.id, won);
}

async function finish(
  db: Executor,
  id: number,
  won: boolean,
): Promise<Result<StaffPaymentView, DecideFailure>> {
  const after = await findPayment(db, id);
  if (!after) return fail({ code: 'unknown_payment' });
  if (!won) return fail({ code: 'payment_not_pending', paymentId: id, state: after.state });
  void notifyPaymentEnded({ db, paymentId: id });
  return ok(staffPaymentView(after));
}
