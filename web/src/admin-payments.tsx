/**
 * What the admin Payments pages share: the payment states and their badge, the period helpers (UTC
 * days) and the Payments tab's count of manual payments waiting for a decision.
 */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { adminApi } from './admin-api';
import { unwrap } from './api';

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

const LOOK: Record<PaymentState, string> = {
  pending: 'bg-amber-100 text-amber-900',
  completed: 'bg-emerald-100 text-emerald-900',
  partial: 'bg-teal-100 text-teal-900',
  rejected: 'bg-red-50 text-red-800',
  expired: 'bg-slate-100 text-slate-700',
  failed: 'bg-red-50 text-red-800',
  reversed: 'bg-red-100 text-red-900',
};

export function PaymentStateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  const known = (PAYMENT_STATES as readonly string[]).includes(state);
  return (
    <span
      className={`inline-block shrink-0 rounded px-2 py-0.5 text-xs font-semibold ${
        known ? LOOK[state as PaymentState] : 'bg-slate-100 text-slate-700'
      }`}
    >
      {known ? t(`admin.payments.states.${state}`) : state}
    </span>
  );
}

/** An amount the server wrote as zero ("0.00"). */
export function isZero(amount: string | null | undefined): boolean {
  return !amount || /^-?0(\.0*)?$/.test(amount);
}

/** Today as a UTC day, YYYY-MM-DD. */
export function utcToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The first day of this month (UTC), YYYY-MM-DD. */
export function utcMonthStart(now = new Date()): string {
  return `${now.toISOString().slice(0, 7)}-01`;
}

/** The totals of a period, shared by the tab's badge and the Payments page. */
export function paymentTotalsQuery(from: string, to: string) {
  return {
    queryKey: ['admin', 'payments', 'totals', from, to],
    queryFn: () => unwrap(adminApi.GET('/api/admin/payments/totals', { params: { query: { from, to } } })),
  };
}

/**
 * The Payments tab's badge: manual payments waiting for a decision (nothing when none). Refreshed
 * every minute and whenever the payments are (['admin', 'payments', ...]).
 */
export function PendingPaymentsBadge() {
  const { t } = useTranslation();
  const today = utcToday();
  const q = useQuery({
    ...paymentTotalsQuery(today, today),
    refetchInterval: 60_000,
    select: (d) => d.waiting.manual,
  });
  if (!q.data) return null;
  return (
    <span className="ml-1.5 rounded-full bg-amber-500 px-1.5 py-0.5 text-xs font-semibold text-white">
      <span aria-hidden="true">{q.data}</span>
      <span className="sr-only">{t('admin.payments.waitingManual', { count: q.data })}</span>
    </span>
  );
}
