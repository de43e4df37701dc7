/**
 * Admin area: all orders, newest first, filtered by status, dispatch state (review: the ones that
 * need a decision), provider, service, customer, days and a search text. The filters live in the URL
 * (`/admin/orders?dispatch=review` is a link the dashboard gives). A stacked list on a phone, a table
 * on a wide screen; Newer/Older pages.
 */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import {
  AdminOrderViews,
  DISPATCH_STATES,
  DispatchBadge,
  type DispatchState,
  ORDER_STATUSES,
  type OrderStatus,
  StatusBadge,
} from '../admin-orders';
import { errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export interface OrdersSearch {
  status?: OrderStatus;
  dispatch?: DispatchState;
  provider?: number;
  service?: number;
  /** User id (digits) or username. */
  user?: string;
  from?: string;
  to?: string;
  q?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Only what the server would accept; anything else in the address is dropped, not sent. */
function validate(s: Record<string, unknown>): OrdersSearch {
  const out: OrdersSearch = {};
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
  const st = text(s.status);
  if ((ORDER_STATUSES as readonly string[]).includes(st)) out.status = st as OrderStatus;
  const d = text(s.dispatch);
  if ((DISPATCH_STATES as readonly string[]).includes(d)) out.dispatch = d as DispatchState;
  for (const k of ['provider', 'service'] as const) {
    const v = text(s[k]);
    if (/^\d{1,15}$/.test(v) && Number(v) > 0) out[k] = Number(v);
  }
  const user = text(s.user);
  if (user) out.user = user;
  for (const k of ['from', 'to'] as const) {
    const v = text(s[k]);
    if (DAY.test(v)) out[k] = v;
  }
  const q = text(s.q);
  if (q) out.q = q;
  return out;
}

export const Route = createFileRoute('/admin/orders')({
  validateSearch: validate,
  component: () => <RequireStaff>{() => <Orders />}</RequireStaff>,
});

/** The form's fields as typed (all text). */
type FormState = Record<keyof OrdersSearch, string>;

const toForm = (s: OrdersSearch): FormState => ({
  status: s.status ?? '',
  dispatch: s.dispatch ?? '',
  provider: s.provider === undefined ? '' : String(s.provider),
  service: s.service === undefined ? '' : String(s.service),
  user: s.user ?? '',
  from: s.from ?? '',
  to: s.to ?? '',
  q: s.q ?? '',
});

function Orders() {
  const { t } = useTranslation();
  const search = Route.useSearch();
  const navigate = useNavigate();
  const [form, setForm] = useState<FormState>(() => toForm(search));
  const [open, setOpen] = useState(false);
  const set = (k: keyof FormState) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const active = Object.keys(search).length;

  return (
    <div>
      <AdminOrderViews />
      <PageTitle>{t('admin.orders.title')}</PageTitle>
      <search aria-label={t('admin.orders.filters')}>
        <div className="mb-3 flex items-center gap-2 sm:hidden">
          <Button variant="secondary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {active > 0 ? t('admin.orders.filtersCount', { count: active }) : t('admin.orders.filters')}
          </Button>
          {active > 0 && (
            <Link
              to="/admin/orders"
              search={{}}
              className="min-h-11 px-2 py-3 text-sm text-indigo-700 underline"
            >
              {t('admin.orders.clear')}
            </Link>
          )}
        </div>
        <form
          className={`${open ? 'grid' : 'hidden'} mb-4 grid-cols-2 gap-3 sm:grid sm:grid-cols-4 sm:items-end lg:grid-cols-5`}
          onSubmit={(e) => {
            e.preventDefault();
            const next = validate(form);
            setForm(toForm(next));
            setOpen(false);
            void navigate({ to: '/admin/orders', search: next });
          }}
        >
          <Select
            label={t('admin.orders.status')}
            value={form.status}
            onChange={set('status')}
            options={ORDER_STATUSES.map((s) => [s, t(`status.${s}`)])}
          />
          <Select
            label={t('admin.orders.dispatchLabel')}
            value={form.dispatch}
            onChange={set('dispatch')}
            options={DISPATCH_STATES.map((s) => [s, t(`admin.orders.dispatch.${s}`)])}
          />
          <Text
            label={t('admin.orders.user')}
            value={form.user}
            onChange={set('user')}
            placeholder={t('admin.orders.userHint')}
          />
          <Text
            label={t('admin.orders.search')}
            value={form.q}
            onChange={set('q')}
            placeholder={t('admin.orders.searchHint')}
            type="search"
          />
          <Text
            label={t('admin.orders.provider')}
            value={form.provider}
            onChange={set('provider')}
            inputMode="numeric"
          />
          <Text
            label={t('admin.orders.service')}
            value={form.service}
            onChange={set('service')}
            inputMode="numeric"
          />
          <Text label={t('admin.orders.from')} value={form.from} onChange={set('from')} type="date" />
          <Text label={t('admin.orders.to')} value={form.to} onChange={set('to')} type="date" />
          <div className="col-span-2 flex gap-2 sm:col-span-1">
            <Button type="submit" className="flex-1">
              {t('admin.orders.apply')}
            </Button>
            {active > 0 && (
              <Button
                variant="secondary"
                className="hidden sm:inline-flex"
                onClick={() => {
                  setForm(toForm({}));
                  void navigate({ to: '/admin/orders', search: {} });
                }}
              >
                {t('admin.orders.clear')}
              </Button>
            )}
          </div>
        </form>
      </search>
      {/* New filters start again at the first page. */}
      <OrderResults key={JSON.stringify(search)} search={search} />
    </div>
  );
}

function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: [string, string][];
}) {
  const { t } = useTranslation();
  return (
    <Field label={props.label}>
      {(id) => (
        <select
          id={id}
          className={`${inputClass} min-h-11`}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        >
          <option value="">{t('admin.orders.any')}</option>
          {props.options.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function Text(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  type?: string;
  inputMode?: 'numeric';
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <input
          id={id}
          placeholder={props.placeholder}
          type={props.type ?? 'text'}
          inputMode={props.inputMode}
          className={`${inputClass} min-h-11`}
          autoComplete="off"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

function OrderResults({ search }: { search: OrdersSearch }) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const before = pages.before;
  const list = useQuery({
    queryKey: ['admin', 'orders', search, before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/orders', {
          params: { query: { ...search, ...(before ? { before } : {}), limit: 50 } },
        }),
      ),
  });
  if (list.isPending) return <Loading label={t('common.loading')} />;
  if (list.isError) return <ErrorMessage>{errorText(list.error)}</ErrorMessage>;
  const { orders, currency, nextBefore } = list.data;
  return (
    <>
      {orders.length === 0 ? (
        <Empty>{t('admin.orders.none')}</Empty>
      ) : (
        <>
          <OrderCards orders={orders} currency={currency} />
          <OrderTable orders={orders} currency={currency} />
        </>
      )}
      <KeysetPager pages={pages} nextBefore={nextBefore} />
    </>
  );
}

type Row = AdminSchemas['AdminOrderRow'];

/** Phones: one card per order. */
function OrderCards({ orders, currency }: { orders: Row[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white sm:hidden">
      {orders.map((o) => (
        <li key={o.id}>
          <Link
            to="/admin/orders/$orderId"
            params={{ orderId: String(o.id) }}
            className="flex items-start justify-between gap-3 p-3 text-sm hover:bg-slate-50"
          >
            <div className="min-w-0 space-y-0.5">
              <p className="truncate font-medium text-indigo-700">
                {t('orders.number', { id: o.id })} · {o.service.name ?? `#${o.service.id}`}
              </p>
              <p className="truncate text-xs text-slate-600">
                {o.user.username} · <time dateTime={o.createdAt}>{f.dateTime(o.createdAt)}</time>
              </p>
              <p className="truncate text-xs text-slate-500">
                {f.count(o.quantity)} · {o.link ?? '—'}
              </p>
            </div>
            <div className="shrink-0 space-y-1 text-right">
              <p className="font-semibold">{f.money(o.charge, currency)}</p>
              <p>
                <StatusBadge status={o.status} />
              </p>
              <p>
                <DispatchBadge state={o.dispatch} />
              </p>
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Wide screens: a table. */
function OrderTable({ orders, currency }: { orders: Row[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const th = 'px-3 py-2 text-left text-xs font-semibold text-slate-600';
  return (
    <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white sm:block">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50">
          <tr>
            <th className={th}>{t('admin.orders.col.id')}</th>
            <th className={th}>{t('admin.orders.col.placed')}</th>
            <th className={th}>{t('admin.orders.col.user')}</th>
            <th className={th}>{t('admin.orders.col.service')}</th>
            <th className={th}>{t('admin.orders.col.link')}</th>
            <th className={`${th} text-right`}>{t('admin.orders.col.quantity')}</th>
            <th className={`${th} text-right`}>{t('admin.orders.col.charge')}</th>
            <th className={th}>{t('admin.orders.col.status')}</th>
            <th className={th}>{t('admin.orders.col.provider')}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {orders.map((o) => (
            <tr key={o.id} className="hover:bg-slate-50">
              <td className="px-3 py-2">
                <Link
                  to="/admin/orders/$orderId"
                  params={{ orderId: String(o.id) }}
                  className="font-medium text-indigo-700 underline"
                  aria-label={t('orders.number', { id: o.id })}
                >
                  {o.id}
                </Link>
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                <time dateTime={o.createdAt}>{f.dateTime(o.createdAt)}</time>
              </td>
              <td className="px-3 py-2">
                <Link
                  to="/admin/users/$userId"
                  params={{ userId: String(o.user.id) }}
                  className="text-indigo-700"
                >
                  {o.user.username}
                </Link>
              </td>
              <td className="px-3 py-2">
                <span className="block max-w-40 truncate">{o.service.name ?? `#${o.service.id}`}</span>
              </td>
              <td className="px-3 py-2 text-slate-600">
                <span className="block max-w-52 truncate" title={o.link ?? undefined}>
                  {o.link ?? '—'}
                </span>
              </td>
              <td className="px-3 py-2 text-right">{f.count(o.quantity)}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right font-medium">
                {f.money(o.charge, currency)}
              </td>
              <td className="px-3 py-2">
                <div className="flex flex-col items-start gap-1 whitespace-nowrap">
                  <StatusBadge status={o.status} />
                  <DispatchBadge state={o.dispatch} />
                </div>
              </td>
              <td className="px-3 py-2 text-slate-600">
                <span className="block max-w-32 truncate">
                  {o.provider ? (o.provider.name ?? `#${o.provider.id}`) : t('admin.orders.byHand')}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
