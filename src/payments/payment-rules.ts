/**
 * The rules of adding funds that every face shares: what an amount may be, what is credited for what
 * was received, and the views of a payment and a method.
 */
import { formatAmount, parseAmount } from '../money.js';
import type { MethodRow, PaymentRow } from './payments.repo.js';

/** Amounts customers pay are in whole cents of the panel currency. */
export const PAYMENT_DECIMALS = 2;
export const MAX_REFERENCE_CHARS = 200;
export const MAX_NOTE_CHARS = 500;

/** A customer's amount ("10", "10.5", "10.50"), or null. */
export function parsePaymentAmount(text: string): bigint | null {
  const units = parseAmount(text, PAYMENT_DECIMALS);
  return units !== null && units > 0n ? units : null;
}

/**
 * What is credited for `receivedUnits`: the amount received with the method's fee (negative basis
 * points) or bonus (positive) applied, rounded down to the unit (10^-7). On whole cents and whole
 * basis points the result is exact.
 */
export function creditFor(receivedUnits: bigint, adjustBp: number): bigint {
  return (receivedUnits * BigInt(10_000 + adjustBp)) / 10_000n;
}

/** Basis points as the percent the admin typed ("-2.5", "5", "0"). */
export function formatPercent(bp: number): string {
  const sign = bp < 0 ? '-' : '';
  const abs = Math.abs(bp);
  const frac = abs % 100;
  return `${sign}${Math.floor(abs / 100)}${frac ? `.${String(frac).padStart(2, '0').replace(/0$/, '')}` : ''}`;
}

/** A percent with at most 2 decimals, from -99.99 (a fee) to 100 (a bonus), as basis points; else null. */
export function parsePercent(text: string): number | null {
  const m = /^([+-])?(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const bp = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  const signed = m[1] === '-' ? -bp : bp;
  return signed > -10_000 && signed <= 10_000 ? signed : null;
}

export interface MethodView {
  id: number;
  name: string;
  kind: string;
  automatic: boolean;
  instructions: string;
  min: string;
  max: string;
  /** Fee (negative) or bonus (positive) percent of the amount received. */
  adjustPercent: string;
}

export function methodView(m: MethodRow, automatic: boolean): MethodView {
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    automatic,
    instructions: m.instructions,
    min: formatAmount(m.minUnits),
    max: formatAmount(m.maxUnits),
    adjustPercent: formatPercent(m.adjustBp),
  };
}

export interface PaymentView {
  id: number;
  methodId: number;
  method: string;
  kind: string;
  state: string;
  currency: string;
  amount: string;
  /** What the gateway (or the approving admin) confirmed as received; null until then. */
  received: string | null;
  credited: string;
  adjustPercent: string;
  reference: string | null;
  /** Where to pay, while the gateway's invoice is open. */
  payUrl: string | null;
  expiresAt: string | null;
  note: string | null;
  createdAt: string;
  endedAt: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function paymentView(p: PaymentRow): PaymentView {
  return {
    id: p.id,
    methodId: p.methodId,
    method: p.methodName,
    kind: p.methodKind,
    state: p.state,
    currency: p.currency,
    amount: formatAmount(p.amountUnits),
    received: p.receivedUnits === null ? null : formatAmount(p.receivedUnits),
    credited: formatAmount(p.creditedUnits),
    adjustPercent: formatPercent(p.adjustBp),
    reference: p.reference,
    payUrl: p.state === 'pending' ? p.payUrl : null,
    expiresAt: isoOrNull(p.expiresAt),
    note: p.note,
    createdAt: iso(p.createdAt),
    endedAt: isoOrNull(p.endedAt),
  };
}

/** The staff's view adds who paid, the gateway's words and any reversal. */
export interface StaffPaymentView extends PaymentView {
  userId: number;
  username: string;
  gatewayRef: string | null;
  gatewayStatus: string | null;
  reversed: string;
  shortfall: string;
  decidedBy: number | null;
  checks: number;
  nextCheckAt: string | null;
  updatedAt: string;
}

export function staffPaymentView(p: PaymentRow): StaffPaymentView {
  return {
    ...paymentView(p),
    payUrl: p.payUrl,
    userId: p.userId,
    username: p.username,
    gatewayRef: p.gatewayRef,
    gatewayStatus: p.gatewayStatus,
    reversed: formatAmount(p.reversedUnits),
    shortfall: formatAmount(p.shortfallUnits),
    decidedBy: p.decidedBy,
    checks: p.checks,
    nextCheckAt: isoOrNull(p.nextCheckAt),
    updatedAt: iso(p.updatedAt),
  };
}
