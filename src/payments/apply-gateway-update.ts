/**
 * What a gateway's word does to a payment: the one place where a callback or a status answer moves
 * money. The credit is what the gateway confirms it received (the module's conversion rule), with the
 * method's fee or bonus; it is written in the transaction that moves the payment from pending, by a
 * compare-and-set, with a ledger entry naming the payment and keyed `payment:<id>`: whatever arrives
 * twice (a replayed callback, a callback and a status answer at once) credits once.
 *
 * Nothing changes (and the event is kept for the admin, with why) when the gateway names another
 * amount or currency than the payment's, when the payment has already ended, or when the amount
 * received cannot be told.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { endPaymentInTxWithCredit } from './end-payment.js';
import type { GatewayUpdate } from './methods/method.js';
import { notifyPaymentEnded } from './notify-payment.js';
import type { PaymentState } from './payment.state.js';
import { insertEvent, noteGatewayStatus, type PaymentRow } from './payments.repo.js';

/** Received beyond this multiple of the invoice is left to the admin (an error, not a windfall). */
export const MAX_RECEIVED_FACTOR = 100n;

export type UpdateSource = 'callback' | 'status';

/** What the update did; kept as the event's outcome. */
export type UpdateOutcome =
  | 'credited'
  | 'ended'
  | 'waiting'
  | 'mismatch'
  | 'after_end'
  | 'unconvertible'
  | 'already_ended';

export async function applyGatewayUpdate(opts: {
  db: Executor;
  payment: PaymentRow;
  update: GatewayUpdate;
  source: UpdateSource;
  /** The gateway's message as it came (callback body, status answer). */
  raw: string;
  remote?: string | null;
  now?: number;
}): Promise<UpdateOutcome> {
  const { db, payment: p, update: u } = opts;
  const now = opts.now ?? Date.now();
  const event = (outcome: UpdateOutcome, tx: Executor = db) =>
    insertEvent(tx, {
      paymentId: p.id,
      methodId: p.methodId,
      source: opts.source,
      outcome,
      gatewayStatus: u.status,
      body: opts.raw,
      remote: opts.remote ?? null,
      now,
    });

  const sameInvoice =
    (p.gatewayRef === null || p.gatewayRef === u.gatewayRef) &&
    (u.paymentId === null || u.paymentId === p.id) &&
    u.amountUnits === p.amountUnits &&
    u.currency !== null &&
    u.currency.toUpperCase() === p.currency.toUpperCase();
  if (!sameInvoice) {
    await event('mismatch');
    return 'mismatch';
  }
  if (p.state !== 'pending') {
    await event('after_end');
    return 'after_end';
  }

  let to: PaymentState;
  let received: bigint | null = null;
  switch (u.outcome) {
    case 'waiting':
      await noteGatewayStatus(db, p.id, u.status, now);
      await event('waiting');
      return 'waiting';
    case 'paid':
      to = 'completed';
      received = u.receivedUnits;
      break;
    case 'underpaid':
      to = 'partial';
      received = u.receivedUnits;
      break;
    case 'expired':
      to = 'expired';
      break;
    case 'failed':
    case 'refunded':
      to = 'failed';
      break;
  }
  if ((to === 'completed' || to === 'partial') && (received === null || received <= 0n)) {
    if (received === 0n) {
      to = 'expired';
      received = null;
    } else {
      await noteGatewayStatus(db, p.id, u.status, now);
      await event('unconvertible');
      return 'unconvertible';
    }
  }
  // More than a hundred times the invoice is not a payment the panel books by itself: the admin looks.
  if (received !== null && received > p.amountUnits * MAX_RECEIVED_FACTOR) {
    await noteGatewayStatus(db, p.id, u.status, now);
    await event('unconvertible');
    return 'unconvertible';
  }
  const moved = await inTransaction(db, async (tx) => {
    const ended = await endPaymentInTxWithCredit(tx, p, to, {
      receivedUnits: received,
      gatewayStatus: u.status,
      now,
    });
    if (ended) await event(ended.creditedUnits > 0n ? 'credited' : 'ended', tx);
    return ended;
  });
  if (!moved) {
    await event('already_ended');
    return 'already_ended';
  }
  void notifyPaymentEnded({ db, paymentId: p.id });
  return moved.creditedUnits > 0n ? 'credited' : 'ended';
}
