/**
 * Use case: a customer starts adding funds with a method. A manual payment is filed with the amount and
 * the transfer's reference and waits for an admin; a gateway payment gets an invoice at the gateway,
 * and the customer is sent to its page to pay. The amount is the customer's to choose (within the
 * method's limits); what is credited is decided later, by what the gateway (or the admin) confirms.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { lockBalanceInTx } from '../ledger/ledger.repo.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency, getMailSettings } from '../settings/settings.js';
import { openMethod } from './method-settings.js';
import { MAX_REFERENCE_CHARS, type PaymentView, parsePaymentAmount, paymentView } from './payment-rules.js';
import {
  endPaymentInTx,
  findMethod,
  findPayment,
  insertEvent,
  insertPayment,
  listPayments,
  setInvoice,
} from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

/** Pending payments one customer may have at once (each gateway one is an invoice at the gateway). */
export const MAX_PENDING_PER_USER = 10;
/** The first status query of a gateway payment, in case its callbacks never come. */
export const FIRST_CHECK_MS = 60_000;

export async function startPayment(opts: {
  db: Executor;
  box: SecretBox;
  userId: number;
  methodId: number;
  amount: string;
  reference?: string | undefined;
  /** The panel's address as this request reached it, used when the public-url setting is not set. */
  origin?: string | undefined;
  timeoutMs?: number;
  now?: number;
}): Promise<
  Result<
    PaymentView,
    FailureOf<
      | 'unknown_payment_method'
      | 'invalid_payment_amount'
      | 'payment_below_min'
      | 'payment_above_max'
      | 'invalid_payment_reference'
      | 'too_many_pending_payments'
      | 'public_url_needed'
      | 'payment_gateway_refused'
      | 'payment_gateway_unreachable'
    >
  >
> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  const method = await findMethod(db, opts.methodId);
  if (!method || !method.enabled) return fail({ code: 'unknown_payment_method' });
  const opened = openMethod(method, opts.box);
  if (!opened.ok) return fail({ code: 'unknown_payment_method' });
  const amount = parsePaymentAmount(opts.amount);
  if (amount === null) return fail({ code: 'invalid_payment_amount' });
  if (amount < method.minUnits)
    return fail({ code: 'payment_below_min', min: formatAmount(method.minUnits) });
  if (amount > method.maxUnits)
    return fail({ code: 'payment_above_max', max: formatAmount(method.maxUnits) });
  const { module, settings } = opened;
  let reference: string | null = null;
  if (!module.automatic) {
    const text = (opts.reference ?? '').trim();
    if (text.length === 0 || [...text].length > MAX_REFERENCE_CHARS || /\p{Cc}/u.test(text))
      return fail({ code: 'invalid_payment_reference', maxChars: MAX_REFERENCE_CHARS });
    reference = text;
  }
  let base: string | null = null;
  if (module.automatic) {
    base = ((await getMailSettings(db)).publicUrl ?? opts.origin ?? null)?.replace(/\/+$/, '') ?? null;
    if (base === null) return fail({ code: 'public_url_needed' });
  }
  const currency = await getCurrency(db);
  const id = await inTransaction(db, async (tx) => {
    // The customer's row is locked first: starts at the same moment are counted one after the other,
    // or each would see fewer than the limit pending and all would be filed (Postgres, read committed).
    await lockBalanceInTx(tx, opts.userId);
    const pending = await listPayments(tx, {
      userId: opts.userId,
      state: 'pending',
      limit: MAX_PENDING_PER_USER,
    });
    if (pending.length >= MAX_PENDING_PER_USER) return null;
    return insertPayment(tx, {
      userId: opts.userId,
      methodId: method.id,
      currency,
      amountUnits: amount,
      adjustBp: method.adjustBp,
      reference,
      nextCheckAt: module.automatic ? now + FIRST_CHECK_MS : null,
      now,
    });
  });
  if (id === null) return fail({ code: 'too_many_pending_payments', max: MAX_PENDING_PER_USER });

  const created = await module.create({
    ...settings,
    paymentId: id,
    amountUnits: amount,
    currency,
    callbackUrl: `${base}/api/payments/callback/${method.id}`,
    returnUrl: `${base}/funds/${id}`,
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
  if (created.kind === 'invoice') {
    await setInvoice(db, id, {
      gatewayRef: created.gatewayRef,
      payUrl: created.payUrl,
      expiresAt: created.expiresAt,
      nextCheckAt: now + FIRST_CHECK_MS,
      now,
    });
    await insertEvent(db, {
      paymentId: id,
      methodId: method.id,
      source: 'create',
      outcome: 'invoice',
      gatewayStatus: null,
      body: created.raw,
      remote: null,
      now,
    });
  } else if (created.kind === 'refused' || created.kind === 'unreachable') {
    // No invoice the customer could pay: the payment ends here, with the gateway's words for the admin.
    const note =
      created.kind === 'refused' ? `gateway refused: ${created.message}` : `gateway: ${created.message}`;
    await inTransaction(db, async (tx) => {
      await endPaymentInTx(tx, id, 'failed', {
        receivedUnits: null,
        creditedUnits: 0n,
        note: note.slice(0, 500),
        now,
      });
      await insertEvent(tx, {
        paymentId: id,
        methodId: method.id,
        source: 'create',
        outcome: created.kind,
        gatewayStatus: null,
        body: created.kind === 'refused' ? created.raw : created.message,
        remote: null,
        now,
      });
    });
    return fail({
      code: created.kind === 'refused' ? 'payment_gateway_refused' : 'payment_gateway_unreachable',
    });
  }
  const row = await findPayment(db, id);
  if (!row) throw new Error(`payment ${id} vanished`);
  return ok(paymentView(row));
}
