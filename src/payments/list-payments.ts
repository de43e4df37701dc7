/**
 * Use cases that read payments: the customer's own (Add funds page: the methods, the payments list, a
 * payment's page on coming back from the gateway) and the staff's (the Payments pages: filtered list,
 * a payment with the gateway's raw messages and its ledger entries, totals per method and period).
 * Another customer's payment is as unknown as a missing one.
 */
import { can } from '../accounts/roles.js';
import { findUserByUsername } from '../accounts/users.repo.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getCurrency } from '../settings/settings.js';
import { openMethod } from './method-settings.js';
import type { PaymentState } from './payment.state.js';
import {
  type MethodView,
  methodView,
  type PaymentView,
  paymentView,
  type StaffPaymentView,
  staffPaymentView,
} from './payment-rules.js';
import {
  countWaiting,
  findPayment,
  listEvents,
  listMethods,
  listPayments,
  paymentEntries,
  paymentTotals,
} from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

export const PAYMENTS_PAGE = 50;

/** The methods a customer can pay with now, and the currency the amounts are in. */
export async function listAddFundsMethods(opts: {
  db: Executor;
  box: SecretBox;
}): Promise<{ currency: string; methods: MethodView[] }> {
  const methods = await listMethods(opts.db, { enabledOnly: true });
  const views: MethodView[] = [];
  for (const m of methods) {
    // A method this panel cannot run (unknown kind, secrets sealed with another key) is not offered.
    const opened = openMethod(m, opts.box);
    if (opened.ok) views.push(methodView(m, opened.module.automatic));
  }
  return { currency: await getCurrency(opts.db), methods: views };
}

export async function listMyPayments(opts: {
  db: Executor;
  userId: number;
  before?: number | undefined;
  limit?: number;
}): Promise<{ payments: PaymentView[]; nextBefore: number | null }> {
  const limit = opts.limit ?? PAYMENTS_PAGE;
  const rows = await listPayments(opts.db, { userId: opts.userId, before: opts.before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return {
    payments: page.map(paymentView),
    nextBefore: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

export async function showMyPayment(opts: {
  db: Executor;
  userId: number;
  paymentId: number;
}): Promise<Result<PaymentView, FailureOf<'unknown_payment'>>> {
  const p = await findPayment(opts.db, opts.paymentId);
  if (!p || p.userId !== opts.userId) return fail({ code: 'unknown_payment' });
  return ok(paymentView(p));
}

export interface StaffPaymentFilter {
  state?: PaymentState | undefined;
  methodId?: number | undefined;
  /** Manual methods only (the queue an admin decides), or gateway methods only. */
  kind?: 'manual' | 'gateway' | undefined;
  userId?: number | undefined;
  /** The payer's username (a name nobody has: no payments). */
  username?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  before?: number | undefined;
}

export async function browsePayments(opts: {
  db: Executor;
  actor: Actor;
  filter: StaffPaymentFilter;
  limit?: number;
}): Promise<Result<{ payments: StaffPaymentView[]; nextBefore: number | null }, FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'payments.read')) return fail({ code: 'forbidden' });
  const limit = opts.limit ?? PAYMENTS_PAGE;
  const { username, ...filter } = opts.filter;
  if (username !== undefined) {
    const user = await findUserByUsername(opts.db, username);
    if (!user) return ok({ payments: [], nextBefore: null });
    filter.userId = user.id;
  }
  const rows = await listPayments(opts.db, { ...filter, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return ok({
    payments: page.map(staffPaymentView),
    nextBefore: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  });
}

export interface PaymentEventView {
  id: number;
  source: string;
  outcome: string;
  gatewayStatus: string | null;
  body: string;
  remote: string | null;
  createdAt: string;
}

export async function showPayment(opts: { db: Executor; actor: Actor; paymentId: number }): Promise<
  Result<
    {
      payment: StaffPaymentView;
      events: PaymentEventView[];
      entries: { id: number; kind: string; amount: string; balanceAfter: string; createdAt: string }[];
    },
    FailureOf<'forbidden' | 'unknown_payment'>
  >
> {
  if (!can(opts.actor.role, 'payments.read')) return fail({ code: 'forbidden' });
  const p = await findPayment(opts.db, opts.paymentId);
  if (!p) return fail({ code: 'unknown_payment' });
  const events = await listEvents(opts.db, p.id);
  const entries = await paymentEntries(opts.db, p.id);
  return ok({
    payment: staffPaymentView(p),
    events: events.map((e) => ({
      id: e.id,
      source: e.source,
      outcome: e.outcome,
      gatewayStatus: e.gatewayStatus,
      body: e.body,
      remote: e.remote,
      createdAt: new Date(e.createdAt).toISOString(),
    })),
    entries: entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      amount: formatAmount(e.amountUnits),
      balanceAfter: formatAmount(e.balanceAfterUnits),
      createdAt: new Date(e.createdAt).toISOString(),
    })),
  });
}

export interface MethodTotalsView {
  methodId: number;
  method: string;
  /** Payments started in the period, by state. */
  counts: Record<string, number>;
  /** Sums over the payments that were credited (completed, partial, reversed). */
  received: string;
  credited: string;
  reversed: string;
  shortfall: string;
  /** Asked for by payments still pending. */
  pendingAmount: string;
}

export async function paymentTotalsFor(opts: {
  db: Executor;
  actor: Actor;
  from: number;
  to: number;
}): Promise<
  Result<
    { currency: string; methods: MethodTotalsView[]; waiting: { manual: number; gateway: number } },
    FailureOf<'forbidden'>
  >
> {
  if (!can(opts.actor.role, 'payments.read')) return fail({ code: 'forbidden' });
  const rows = await paymentTotals(opts.db, opts.from, opts.to);
  const by = new Map<number, { view: MethodTotalsView; sums: bigint[] }>();
  for (const r of rows) {
    let e = by.get(r.methodId);
    if (!e) {
      e = {
        view: {
          methodId: r.methodId,
          method: r.methodName,
          counts: {},
          received: '',
          credited: '',
          reversed: '',
          shortfall: '',
          pendingAmount: '',
        },
        sums: [0n, 0n, 0n, 0n, 0n],
      };
      by.set(r.methodId, e);
    }
    e.view.counts[r.state] = r.count;
    const s = e.sums as [bigint, bigint, bigint, bigint, bigint];
    if (r.state === 'pending') s[4] += r.amountUnits;
    else {
      s[0] += r.receivedUnits;
      s[1] += r.creditedUnits;
      s[2] += r.reversedUnits;
      s[3] += r.shortfallUnits;
    }
  }
  const methods = [...by.values()].map(({ view, sums }) => ({
    ...view,
    received: formatAmount(sums[0] ?? 0n),
    credited: formatAmount(sums[1] ?? 0n),
    reversed: formatAmount(sums[2] ?? 0n),
    shortfall: formatAmount(sums[3] ?? 0n),
    pendingAmount: formatAmount(sums[4] ?? 0n),
  }));
  return ok({ currency: await getCurrency(opts.db), methods, waiting: await countWaiting(opts.db) });
}
