/**
 * A payment's life (payments.state). Every change is a compare-and-set in payments.repo.ts checked
 * against this table; the credit moves with it in one transaction (apply-gateway-update.ts,
 * decide-manual-payment.ts), so a payment is credited at most once, whatever arrives twice.
 *
 *   pending    filed (manual) or invoiced (gateway); nothing credited
 *   completed  paid in full (or more): credited           -> reversed (a chargeback, by an admin)
 *   partial    the gateway ended it paid in part: credited what came -> reversed
 *   rejected   an admin refused it (manual); nothing credited
 *   expired    nothing paid in time; nothing credited
 *   failed     the gateway failed or refused it; nothing credited
 *   reversed   the credit was taken back through the ledger (what the balance could not cover is the
 *              payment's shortfall)
 */
export const PAYMENT_STATES = [
  'pending',
  'completed',
  'partial',
  'rejected',
  'expired',
  'failed',
  'reversed',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

const TRANSITIONS: Record<PaymentState, readonly PaymentState[]> = {
  pending: ['completed', 'partial', 'rejected', 'expired', 'failed'],
  completed: ['reversed'],
  partial: ['reversed'],
  rejected: [],
  expired: [],
  failed: [],
  reversed: [],
};

export function canPaymentTransition(from: PaymentState, to: PaymentState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertPaymentTransition(from: PaymentState, to: PaymentState): void {
  if (!canPaymentTransition(from, to)) throw new Error(`payment cannot go from ${from} to ${to}`);
}

/** The states in which the payment's credit stands (and can be reversed). */
export const CREDITED_STATES: readonly PaymentState[] = ['completed', 'partial'];

export function isPaymentState(s: string): s is PaymentState {
  return (PAYMENT_STATES as readonly string[]).includes(s);
}
