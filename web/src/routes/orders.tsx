import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireUser } from '../components/RequireUser';
import { Button, Card, Empty, ErrorMessage, inputClass, LinkText, Loading } from '../components/ui';
import { OrderActions, OrderViews, StatusBadge } from '../orders';
import { useFormat } from '../use-format';

const TABS = ['', 'pending', 'processing', 'in_progress', 'completed', 'partial', 'canceled'] as const;
type Tab = (typeof TABS)[number];
type Status = Exclude<Tab, ''>;

/** The view lives in the URL (`?status=&q=`): a reload or a shared link shows the same orders. */
interface OrdersSearch {
  status?: Status | undefined;
  q?: string | undefined;
}

export const Route = createFileRoute('/orders')({
  validateSearch: (s: Record<string, unknown>): OrdersSearch => {
    const status = TABS.find((x) => x !== '' && x === s.status);
    // The router reads `?q=123` as a number: an order id is searched as its digits.
    const q = typeof s.q === 'number' ? String(s.q) : typeof s.q === 'string' ? s.q.trim().slice(0, 200) : '';
    return { ...(status ? { status } : {}), ...(q ? { q } : {}) };
  },
  component: () => <RequireUser>{() => <Orders />}</RequireUser>,
});

function Orders() {
  const { t } = useTranslation();
  const { status, q } = Route.useSearch();
  const navigate = useNavigate({ from: '/orders' });
  const [text, setText] = useState(q ?? '');
  // The search this page last put in the URL: a different `q` came from outside (a link, Back).
  const asked = useRef(q ?? '');
  const search = (next: string, replace: boolean) => {
    asked.current = next;
    void navigate({ search: (prev) => ({ ...prev, q: next || undefined }), replace });
  };

  useEffect(() => {
    if ((q ?? '') === asked.current) return;
    asked.current = q ?? '';
    setText(q ?? '');
  }, [q]);

  // Search as the customer types, once they pause: the URL (and the list) follow the box.
  useEffect(() => {
    const next = text.trim().slice(0, 200);
    if (next === asked.current) return;
    const timer = setTimeout(() => search(next, true), 400);
    return () => clearTimeout(timer);
  });

  return (
    <div>
      <OrderViews />
      <h1 className="mb-3 text-xl font-bold sm:text-2xl">{t('orders.title')}</h1>
      <search className="mb-3 block">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            search(text.trim().slice(0, 200), false);
          }}
        >
          <label htmlFor="orders-search" className="mb-1 block text-sm font-medium text-slate-700">
            {t('orders.search')}
          </label>
          <div className="flex gap-2">
            <input
              id="orders-search"
              type="search"
              inputMode="search"
              autoComplete="off"
              maxLength={200}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={t('orders.searchHint')}
              className={inputClass}
            />
            {text && (
              <Button
                variant="secondary"
                onClick={() => {
                  setText('');
                  search('', true);
                }}
              >
                {t('orders.clearSearch')}
              </Button>
            )}
          </div>
        </form>
      </search>
      <div role="tablist" aria-label={t('orders.statusFilter')} className="mb-4 flex flex-wrap gap-1.5">
        {TABS.map((s) => (
          <button
            key={s || 'all'}
            type="button"
            role="tab"
            aria-selected={(status ?? '') === s}
            onClick={() => void navigate({ search: (prev) => ({ ...prev, status: s || undefined }) })}
            className={`min-h-11 whitespace-nowrap rounded-full px-3 text-sm font-medium ${
              (status ?? '') === s
                ? 'bg-indigo-600 text-white'
                : 'border border-slate-300 bg-white text-slate-700'
            }`}
          >
            {t(`status.${s || 'all'}`)}
          </button>
        ))}
      </div>
      {/* A new filter starts again at the first page. */}
      <OrderPages key={`${status ?? ''}|${q ?? ''}`} status={status} q={q} />
    </div>
  );
}

function OrderPages({ status, q: search }: OrdersSearch) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const { before } = pages;
  const q = useQuery({
    queryKey: ['orders', 'list', status, search, before],
    queryFn: () =>
      unwrap(
        api.GET('/api/web/orders', {
          params: {
            query: {
              ...(status ? { status } : {}),
              ...(search ? { q: search } : {}),
              ...(before ? { before } : {}),
              limit: 20,
            },
          },
        }),
      ),
    // Statuses move as the engine works: follow them without a reload.
    refetchInterval: 15_000,
  });
  return (
    <>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && q.data.orders.length === 0 && (
        <Empty>{search ? t('orders.noMatch', { q: search }) : t('orders.empty')}</Empty>
      )}
      <ul className="space-y-3">
        {q.data?.orders.map((o) => (
          <li key={o.id}>
            <OrderCard order={o} currency={q.data.currency} />
          </li>
        ))}
      </ul>
      {q.data && <KeysetPager pages={pages} nextBefore={q.data.nextBefore} />}
    </>
  );
}

function OrderCard({ order: o, currency }: { order: Schemas['CustomerOrder']; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const date = f.dateTime(o.createdAt);
  return (
    <Card>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-xs text-slate-500">
            {t('orders.number', { id: o.id })} · <time dateTime={o.createdAt}>{date}</time>
          </p>
          <h2 className="font-semibold">{o.serviceName ?? t('orders.serviceNumber', { id: o.service })}</h2>
        </div>
        <StatusBadge status={o.status} />
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        {o.username !== null ? (
          <>
            <dt className="text-slate-500">{t('orders.username')}</dt>
            <dd className="min-w-0 break-all">{o.username}</dd>
          </>
        ) : (
          <>
            <dt className="text-slate-500">{t('orders.link')}</dt>
            <dd className="min-w-0">
              <LinkText link={o.link} />
            </dd>
          </>
        )}
        <dt className="text-slate-500">{t('orders.charge')}</dt>
        <dd>{f.money(o.charge, currency)}</dd>
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
      <OrderActions order={o} />
      <Link
        to="/orders/$orderId"
        params={{ orderId: String(o.id) }}
        className="mt-2 inline-flex min-h-11 items-center text-sm font-medium text-indigo-700 underline"
        aria-label={t('orders.openOrder', { id: o.id })}
      >
        {t('orders.details')}
      </Link>
    </Card>
  );
}
