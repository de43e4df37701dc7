/**
 * Shared by the admin area's orders pages: the switch between orders, refills and cancel requests,
 * and the badges for an order's status and its dispatch state.
 */
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

export const ORDER_STATUSES = [
  'pending',
  'processing',
  'in_progress',
  'completed',
  'partial',
  'canceled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const DISPATCH_STATES = [
  'manual',
  'queued',
  'sending',
  'sent',
  'held',
  'review',
  'runs',
  'closed',
] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];

/** Where the provider has (or may have) the order: the engine settles it, not a hand-set status. */
export const AT_PROVIDER: readonly DispatchState[] = ['sending', 'sent', 'runs', 'review'];

/** Orders / Refills / Cancel requests, at the top of each of the three pages. */
export function AdminOrderViews() {
  const { t } = useTranslation();
  const look =
    'inline-flex min-h-11 flex-1 items-center justify-center rounded-md px-2 text-sm font-semibold text-slate-700';
  const active = { className: 'bg-white text-indigo-700 shadow-sm', 'aria-current': 'page' as const };
  return (
    <nav
      aria-label={t('admin.orders.views')}
      className="mb-4 flex gap-1 rounded-lg bg-slate-100 p-1 sm:max-w-md"
    >
      <Link
        to="/admin/orders"
        className={look}
        activeOptions={{ exact: true, includeSearch: false }}
        activeProps={active}
      >
        {t('admin.orders.tab')}
      </Link>
      <Link to="/admin/orders/refills" className={look} activeProps={active}>
        {t('admin.orders.refillsTab')}
      </Link>
      <Link to="/admin/orders/cancels" className={look} activeProps={active}>
        {t('admin.orders.cancelsTab')}
      </Link>
    </nav>
  );
}

const STATUS_LOOK: Record<string, string> = {
  pending: 'bg-slate-100 text-slate-800',
  processing: 'bg-sky-50 text-sky-800',
  in_progress: 'bg-sky-50 text-sky-800',
  completed: 'bg-emerald-50 text-emerald-800',
  partial: 'bg-amber-50 text-amber-800',
  canceled: 'bg-red-50 text-red-800',
  rejected: 'bg-red-50 text-red-800',
};

/** An order's (or refill's) status in words and colour. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span
      className={`inline-block rounded px-1.5 text-xs font-medium ${STATUS_LOOK[status] ?? 'bg-slate-100'}`}
    >
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}

/** Where the order stands with its provider; review stands out (it needs a decision). */
export function DispatchBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  const look =
    state === 'review'
      ? 'bg-amber-100 text-amber-900 ring-1 ring-amber-300'
      : state === 'held'
        ? 'bg-orange-50 text-orange-800'
        : 'bg-slate-50 text-slate-600';
  return (
    <span className={`inline-block rounded px-1.5 text-xs font-medium ${look}`}>
      {t(`admin.orders.dispatch.${state}`, { defaultValue: state })}
    </span>
  );
}
