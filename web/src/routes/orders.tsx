import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import {
  Button,
  Card,
  ConfirmButton,
  Empty,
  ErrorMessage,
  LinkText,
  Loading,
  Notice,
  PageTitle,
} from '../components/ui';
import { meKey } from '../session';

export const Route = createFileRoute('/orders')({
  component: () => <RequireUser>{() => <Orders />}</RequireUser>,
});

const TABS = ['', 'pending', 'processing', 'in_progress', 'completed', 'partial', 'canceled'] as const;
type Tab = (typeof TABS)[number];

function Orders() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('');
  // Keyset pages: the `before` of each page seen, so "Previous" goes back exactly.
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  const before = pages[pages.length - 1];
  const q = useQuery({
    queryKey: ['orders', tab, before],
    queryFn: () =>
      unwrap(
        api.GET('/api/web/orders', {
          params: { query: { ...(tab ? { status: tab } : {}), ...(before ? { before } : {}), limit: 20 } },
        }),
      ),
    // Statuses move as the engine works: follow them without a reload.
    refetchInterval: 15_000,
  });

  return (
    <div>
      <PageTitle>{t('orders.title')}</PageTitle>
      <div role="tablist" aria-label={t('orders.statusFilter')} className="mb-4 flex flex-wrap gap-1.5">
        {TABS.map((s) => (
          <button
            key={s || 'all'}
            type="button"
            role="tab"
            aria-selected={tab === s}
            onClick={() => {
              setTab(s);
              setPages([undefined]);
            }}
            className={`min-h-11 whitespace-nowrap rounded-full px-3 text-sm font-medium ${
              tab === s ? 'bg-indigo-600 text-white' : 'bg-white text-slate-700 border border-slate-300'
            }`}
          >
            {t(`status.${s || 'all'}`)}
          </button>
        ))}
      </div>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && q.data.orders.length === 0 && <Empty>{t('orders.empty')}</Empty>}
      <ul className="space-y-3">
        {q.data?.orders.map((o) => (
          <li key={o.id}>
            <OrderCard order={o} currency={q.data.currency} />
          </li>
        ))}
      </ul>
      {q.data && (pages.length > 1 || q.data.nextBefore !== null) && (
        <nav aria-label={t('orders.pages')} className="mt-4 flex justify-between">
          <Button
            variant="secondary"
            disabled={pages.length === 1}
            onClick={() => setPages((p) => p.slice(0, -1))}
          >
            {t('orders.newer')}
          </Button>
          <Button
            variant="secondary"
            disabled={q.data.nextBefore === null}
            onClick={() => setPages((p) => [...p, q.data.nextBefore ?? undefined])}
          >
            {t('orders.older')}
          </Button>
        </nav>
      )}
    </div>
  );
}

function OrderCard({ order: o, currency }: { order: Schemas['CustomerOrder']; currency: string }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const after = async (msg: string) => {
    setDone(msg);
    await qc.invalidateQueries({ queryKey: ['orders'] });
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
  const date = new Date(o.createdAt).toLocaleString(i18n.language);
  return (
    <Card>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-xs text-slate-500">
            {t('orders.number', { id: o.id })} · <time dateTime={o.createdAt}>{date}</time>
          </p>
          <h2 className="font-semibold">{o.serviceName ?? t('orders.serviceNumber', { id: o.service })}</h2>
        </div>
        <span className="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold">
          {o.status}
        </span>
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-500">{t('orders.link')}</dt>
        <dd className="min-w-0">
          <LinkText link={o.link} />
        </dd>
        <dt className="text-slate-500">{t('orders.charge')}</dt>
        <dd>
          {o.charge} {currency}
        </dd>
        <dt className="text-slate-500">{t('orders.quantity')}</dt>
        <dd>
          {o.quantity}
          {o.runs ? ` × ${t('orders.runs', { runs: o.runs, interval: o.interval })}` : ''}
        </dd>
        <dt className="text-slate-500">{t('orders.startCount')}</dt>
        <dd>{o.startCount ?? '—'}</dd>
        <dt className="text-slate-500">{t('orders.remains')}</dt>
        <dd>{o.remains}</dd>
      </dl>
      {o.cancelRequested && <p className="mt-2 text-sm text-slate-600">{t('orders.cancelPending')}</p>}
      {(o.canRefill || o.canCancel) && (
        <div className="mt-3 flex gap-2">
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
              keepLabel={t('common.no')}
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
    </Card>
  );
}
