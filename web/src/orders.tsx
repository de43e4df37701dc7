/** What the order pages share: the status badge and the refill / cancel buttons of one order. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from './api';
import { Button, ConfirmButton, ErrorMessage, Notice } from './components/ui';
import { meKey } from './session';

const LOOK: Record<string, string> = {
  pending: 'bg-slate-100 text-slate-800',
  processing: 'bg-sky-100 text-sky-900',
  in_progress: 'bg-sky-100 text-sky-900',
  completed: 'bg-emerald-100 text-emerald-900',
  partial: 'bg-amber-100 text-amber-900',
  canceled: 'bg-red-50 text-red-800',
  rejected: 'bg-red-50 text-red-800',
};

/** A status as API v2 words it ("In progress"), shown through the catalogue. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const key = status.toLowerCase().replace(/ /g, '_');
  return (
    <span
      className={`shrink-0 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${LOOK[key] ?? LOOK.pending}`}
    >
      {t(`status.${key}`, { defaultValue: status })}
    </span>
  );
}

/** Refill and cancel, shown only where the server says API v2 would accept them. */
export function OrderActions({ order: o }: { order: Schemas['CustomerOrder'] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const after = async (msg: string) => {
    setDone(msg);
    await qc.invalidateQueries({ queryKey: ['orders'] });
    await qc.invalidateQueries({ queryKey: ['refills'] });
    await qc.invalidateQueries({ queryKey: meKey });
  };
  const refill = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/orders/{id}/refill', { params: { path: { id: o.id } } })),
    onSuccess: (r) => after(t('orders.refillRequested', { id: r.refill })),
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/orders/{id}/cancel', { params: { path: { id: o.id } } })),
    onSuccess: () => after(t('orders.cancelRequested')),
  });
  return (
    <>
      {o.cancelRequested && <p className="mt-2 text-sm text-slate-600">{t('orders.cancelPending')}</p>}
      {(o.canRefill || o.canCancel) && (
        <div className="mt-3 flex flex-wrap gap-2">
          {o.canRefill && (
            <Button
              variant="secondary"
              disabled={refill.isPending}
              onClick={() => refill.mutate()}
              aria-label={t('orders.refillOrder', { id: o.id })}
            >
              {t('orders.refill')}
            </Button>
          )}
          {o.canCancel && (
            <ConfirmButton
              label={t('orders.cancel')}
              ariaLabel={t('orders.cancelOrder', { id: o.id })}
              question={t('orders.cancelConfirm')}
              confirmLabel={t('orders.cancelYes')}
              disabled={cancel.isPending}
              onConfirm={() => cancel.mutate()}
            />
          )}
        </div>
      )}
      {done && (
        <div className="mt-2">
          <Notice>{done}</Notice>
        </div>
      )}
      <ErrorMessage>{errorText(refill.error ?? cancel.error)}</ErrorMessage>
    </>
  );
}

/** Orders | Refills, at the top of both pages (the header's menu is already full on a phone). */
export function OrderViews() {
  const { t } = useTranslation();
  const look =
    'inline-flex min-h-11 flex-1 items-center justify-center rounded-md px-3 text-sm font-semibold';
  return (
    <nav aria-label={t('orders.views')} className="mb-4 flex gap-1 rounded-lg bg-slate-100 p-1 sm:max-w-xs">
      <Link
        to="/orders"
        className={`${look} text-slate-700`}
        activeOptions={{ includeSearch: false }}
        activeProps={{ className: 'bg-white text-indigo-700 shadow-sm', 'aria-current': 'page' }}
      >
        {t('orders.title')}
      </Link>
      <Link
        to="/refills"
        className={`${look} text-slate-700`}
        activeProps={{ className: 'bg-white text-indigo-700 shadow-sm', 'aria-current': 'page' }}
      >
        {t('refills.title')}
      </Link>
    </nav>
  );
}

/** Refills as a list: number, order, status, date (also used by the Refills page). */
export function RefillRows({
  refills,
  when,
  showOrder = false,
}: {
  refills: Schemas['CustomerRefill'][];
  when: (iso: string) => string;
  showOrder?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <ul className="space-y-2">
      {refills.map((r) => (
        <li key={r.id} className="rounded-md border border-slate-200 bg-white p-3">
          <div className="flex items-center justify-between gap-2">
            <span className="font-semibold">{t('refills.number', { id: r.id })}</span>
            <StatusBadge status={r.status} />
          </div>
          <p className="mt-1 text-sm text-slate-600">
            {showOrder && (
              <>
                <Link
                  to="/orders/$orderId"
                  params={{ orderId: String(r.order) }}
                  className="inline-flex min-h-11 items-center font-medium text-indigo-700 underline"
                >
                  {t('orders.number', { id: r.order })}
                </Link>{' '}
                ·{' '}
              </>
            )}
            <time dateTime={r.createdAt}>{when(r.createdAt)}</time>
          </p>
        </li>
      ))}
    </ul>
  );
}
