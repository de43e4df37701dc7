/**
 * Admin area: payments, newest first, filtered by state, method, customer and days (the filters live
 * in the URL; "Manual queue" is `?state=pending&kind=manual`), and the totals per method for a period (the
 * filter's days, else this month, UTC). A stacked list on a phone, a table on a wide screen;
 * Newer/Older pages.
 */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import {
  isZero,
  PAYMENT_STATES,
  type PaymentState,
  PaymentStateBadge,
  paymentTotalsQuery,
  utcMonthStart,
  utcToday,
} from '../admin-payments';
import { errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export interface PaymentsSearch {
  state?: PaymentState;
  method?: number;
  /** Manual methods only, or gateways only. */
  kind?: 'manual' | 'gateway';
  /** Username. */
  user?: string;
  from?: string;
  to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Only what the server would accept; anything else in the address is dropped, not sent. */
function validate(s: Record<string, unknown>): PaymentsSearch {
  const out: PaymentsSearch = {};
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
  const st = text(s.state);
  if ((PAYMENT_STATES as readonly string[]).includes(st)) out.state = st as PaymentState;
  const m = text(s.method);
  if (/^\d{1,15}$/.test(m) && Number(m) > 0) out.method = Number(m);
  const kind = text(s.kind);
  if (kind === 'manual' || kind === 'gateway') out.kind = kind;
  const user = text(s.user).slice(0, 64);
  if (user) out.user = user;
  for (const k of ['from', 'to'] as const) {
    const v = text(s[k]);
    if (DAY.test(v)) out[k] = v;
  }
  return out;
}

export const Route = createFileRoute('/admin/payments')({
  validateSearch: validate,
  component: () => <RequireStaff>{(me) => <Payments isAdmin={me.role === 'admin'} />}</RequireStaff>,
});

type FormState = Record<keyof PaymentsSearch, string>;

const toForm = (s: PaymentsSearch): FormState => ({
  state: s.state ?? '',
  method: s.method === undefined ? '' : String(s.method),
  kind: s.kind ?? '',
  user: s.user ?? '',
  from: s.from ?? '',
  to: s.to ?? '',
});

function Payments({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useTranslation();
  const search = Route.useSearch();
  const navigate = useNavigate();
  const [form, setForm] = useState<FormState>(() => toForm(search));
  const [open, setOpen] = useState(false);
  const set = (k: keyof FormState) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const active = Object.keys(search).length;
  const go = (next: PaymentsSearch) => {
    setForm(toForm(next));
    setOpen(false);
    void navigate({ to: '/admin/payments', search: next });
  };
  const from = search.from ?? utcMonthStart();
  const to = search.to ?? utcToday();
  const totals = useQuery(paymentTotalsQuery(from, to.localeCompare(from) < 0 ? from : to));
  const methods = useMethodChoices(isAdmin, totals.data);
  const queue = search.state === 'pending' && search.kind === 'manual' && active === 2;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <PageTitle>{t('admin.payments.title')}</PageTitle>
        {isAdmin && (
          <Link
            to="/admin/payment-methods"
            className="inline-block min-h-11 py-3 text-sm text-indigo-700 underline"
          >
            {t('admin.payments.toMethods')}
          </Link>
        )}
      </div>
      <div className="-mt-2 flex flex-wrap gap-2">
        <Link
          to="/admin/payments"
          search={{ state: 'pending', kind: 'manual' }}
          aria-current={queue ? 'page' : undefined}
          className={`inline-flex min-h-11 items-center rounded-md border px-4 text-sm font-semibold ${
            queue
              ? 'border-amber-400 bg-amber-100 text-amber-950'
              : 'border-slate-300 bg-white text-slate-800 hover:bg-slate-50'
          }`}
          onClick={() => setForm(toForm({ state: 'pending', kind: 'manual' }))}
        >
          {t('admin.payments.queue')}
          {totals.data && totals.data.waiting.manual > 0 && (
            <span className="ml-2 rounded-full bg-amber-500 px-1.5 py-0.5 text-xs text-white">
              {totals.data.waiting.manual}
            </span>
          )}
        </Link>
        {active > 0 && (
          <Link
            to="/admin/payments"
            search={{}}
            className="inline-flex min-h-11 items-center px-2 text-sm text-indigo-700 underline"
            onClick={() => setForm(toForm({}))}
          >
            {t('admin.payments.all')}
          </Link>
        )}
      </div>
      {totals.data && (totals.data.waiting.manual > 0 || totals.data.waiting.gateway > 0) && (
        <p className="text-sm text-slate-700">
          {t('admin.payments.waiting', {
            manual: totals.data.waiting.manual,
            gateway: totals.data.waiting.gateway,
          })}
        </p>
      )}
      <search aria-label={t('admin.payments.filters')}>
        <div className="mb-3 flex items-center gap-2 sm:hidden">
          <Button variant="secondary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {active > 0 ? t('admin.payments.filtersCount', { count: active }) : t('admin.payments.filters')}
          </Button>
        </div>
        <form
          className={`${open ? 'grid' : 'hidden'} mb-2 grid-cols-2 gap-3 sm:grid sm:grid-cols-3 sm:items-end lg:grid-cols-4`}
          onSubmit={(e) => {
            e.preventDefault();
            go(validate(form));
          }}
        >
          <Select
            label={t('admin.payments.state')}
            value={form.state}
            onChange={set('state')}
            options={PAYMENT_STATES.map((s) => [s, t(`admin.payments.states.${s}`)])}
          />
          <Select
            label={t('admin.payments.method')}
            value={form.method}
            onChange={set('method')}
            options={methods}
          />
          <Select
            label={t('admin.payments.kind')}
            value={form.kind}
            onChange={set('kind')}
            options={[
              ['manual', t('admin.payments.kinds.manual')],
              ['gateway', t('admin.payments.kinds.gateway')],
            ]}
          />
          <Text label={t('admin.payments.user')} value={form.user} onChange={set('user')} />
          <Text label={t('admin.payments.from')} value={form.from} onChange={set('from')} type="date" />
          <Text label={t('admin.payments.to')} value={form.to} onChange={set('to')} type="date" />
          <div className="flex gap-2">
            <Button type="submit" className="flex-1">
              {t('admin.payments.apply')}
            </Button>
          </div>
        </form>
      </search>
      {/* New filters start again at the first page. */}
      <PaymentResults key={JSON.stringify(search)} search={search} />
      <Totals from={from} to={to} q={totals} />
    </div>
  );
}

/** The methods to filter by: all of them for an admin, else those with payments this period. */
function useMethodChoices(isAdmin: boolean, totals: AdminSchemas['AdminPaymentTotals'] | undefined) {
  const list = useQuery({
    queryKey: ['admin', 'payment-methods'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/payment-methods')),
    enabled: isAdmin,
  });
  const seen = new Map<number, string>();
  for (const m of list.data?.methods ?? []) seen.set(m.id, m.name);
  for (const m of totals?.methods ?? []) if (!seen.has(m.methodId)) seen.set(m.methodId, m.method);
  return [...seen].map(([id, name]): [string, string] => [String(id), name]);
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
          <option value="">{t('admin.payments.any')}</option>
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

function Text(props: { label: string; value: string; onChange: (v: string) => void; type?: string }) {
  return (
    <Field label={props.label}>
      {(id) => (
        <input
          id={id}
          type={props.type ?? 'text'}
          className={`${inputClass} min-h-11`}
          autoComplete="off"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

function PaymentResults({ search }: { search: PaymentsSearch }) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const before = pages.before;
  const list = useQuery({
    queryKey: ['admin', 'payments', 'list', search, before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/payments', {
          params: { query: { ...search, ...(before ? { before } : {}), limit: 50 } },
        }),
      ),
  });
  if (list.isPending) return <Loading label={t('common.loading')} />;
  if (list.isError) return <ErrorMessage>{errorText(list.error)}</ErrorMessage>;
  const { payments, nextBefore } = list.data;
  return (
    <section aria-label={t('admin.payments.list')}>
      {payments.length === 0 ? (
        <Empty>{t('admin.payments.none')}</Empty>
      ) : (
        <>
          <PaymentCards payments={payments} />
          <PaymentTable payments={payments} />
        </>
      )}
      <KeysetPager pages={pages} nextBefore={nextBefore} />
    </section>
  );
}

type Row = AdminSchemas['AdminPayment'];

/** Phones: one card per payment. */
function PaymentCards({ payments }: { payments: Row[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white sm:hidden">
      {payments.map((p) => (
        <li key={p.id}>
          <Link
            to="/admin/payments/$paymentId"
            params={{ paymentId: String(p.id) }}
            className="flex items-start justify-between gap-3 p-3 text-sm hover:bg-slate-50"
          >
            <div className="min-w-0 space-y-0.5">
              <p className="truncate font-medium text-indigo-700">
                {t('admin.payments.number', { id: p.id })} · {p.username}
              </p>
              <p className="truncate text-xs text-slate-600">
                {p.method} · <time dateTime={p.createdAt}>{f.dateTime(p.createdAt)}</time>
              </p>
              {p.reference && <p className="truncate text-xs text-slate-500">{p.reference}</p>}
            </div>
            <div className="shrink-0 space-y-1 text-right">
              <p className="font-semibold">{f.money(p.amount, p.currency)}</p>
              {p.state !== 'pending' && !isZero(p.credited) && (
                <p className="text-xs text-emerald-800">
                  {t('admin.payments.creditedShort', { amount: f.money(p.credited, p.currency) })}
                </p>
              )}
              <p>
                <PaymentStateBadge state={p.state} />
              </p>
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Wide screens: a table. */
function PaymentTable({ payments }: { payments: Row[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const th = 'px-3 py-2 text-left text-xs font-semibold text-slate-600';
  const money = (a: string | null, currency: string) => (a === null ? '—' : f.money(a, currency));
  return (
    <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white sm:block">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50">
          <tr>
            <th className={th}>{t('admin.payments.col.id')}</th>
            <th className={th}>{t('admin.payments.col.user')}</th>
            <th className={th}>{t('admin.payments.col.method')}</th>
            <th className={`${th} text-right`}>{t('admin.payments.col.amount')}</th>
            <th className={`${th} text-right`}>{t('admin.payments.col.received')}</th>
            <th className={`${th} text-right`}>{t('admin.payments.col.credited')}</th>
            <th className={th}>{t('admin.payments.col.state')}</th>
            <th className={th}>{t('admin.payments.col.date')}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {payments.map((p) => (
            <tr key={p.id} className="hover:bg-slate-50">
              <td className="px-3 py-2">
                <Link
                  to="/admin/payments/$paymentId"
                  params={{ paymentId: String(p.id) }}
                  className="font-medium text-indigo-700 underline"
                  aria-label={t('admin.payments.number', { id: p.id })}
                >
                  {p.id}
                </Link>
              </td>
              <td className="px-3 py-2">
                <Link
                  to="/admin/users/$userId"
                  params={{ userId: String(p.userId) }}
                  className="text-indigo-700"
                >
                  {p.username}
                </Link>
              </td>
              <td className="px-3 py-2">
                <span className="block max-w-40 truncate">{p.method}</span>
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right font-medium">
                {money(p.amount, p.currency)}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{money(p.received, p.currency)}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{money(p.credited, p.currency)}</td>
              <td className="px-3 py-2">
                <PaymentStateBadge state={p.state} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                <time dateTime={p.createdAt}>{f.dateTime(p.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Totals per method for the period: counts per state, what came in and went out. */
function Totals({
  from,
  to,
  q,
}: {
  from: string;
  to: string;
  q: ReturnType<typeof useQuery<AdminSchemas['AdminPaymentTotals']>>;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const th = 'px-3 py-2 text-left text-xs font-semibold text-slate-600';
  const td = 'whitespace-nowrap px-3 py-2 text-right';
  const countsText = (counts: Record<string, number>) =>
    PAYMENT_STATES.filter((s) => counts[s])
      .map((s) => `${t(`admin.payments.states.${s}`)} ${counts[s]}`)
      .join(' · ');
  return (
    <section aria-labelledby="totals-title" className="space-y-2">
      <h2 id="totals-title" className="font-semibold">
        {t('admin.payments.totals.title', { from, to })}
      </h2>
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorMessage>{errorText(q.error)}</ErrorMessage>
      ) : q.data.methods.length === 0 ? (
        <Empty>{t('admin.payments.totals.none')}</Empty>
      ) : (
        <>
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white sm:hidden">
            {q.data.methods.map((m) => (
              <li key={m.methodId} className="space-y-2 p-3 text-sm">
                <p className="font-medium">{m.method}</p>
                <p className="text-xs text-slate-700">{countsText(m.counts)}</p>
                <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
                  {(
                    [
                      ['received', m.received],
                      ['credited', m.credited],
                      ['reversed', m.reversed],
                      ['shortfall', m.shortfall],
                      ['pending', m.pendingAmount],
                    ] as const
                  ).map(([k, v]) => (
                    <div key={k} className="flex justify-between gap-2">
                      <dt className="text-xs text-slate-500">{t(`admin.payments.totals.${k}`)}</dt>
                      <dd
                        className={`whitespace-nowrap ${k === 'shortfall' && !isZero(v) ? 'font-semibold text-red-700' : ''}`}
                      >
                        {f.money(v, q.data.currency)}
                      </dd>
                    </div>
                  ))}
                </dl>
              </li>
            ))}
          </ul>
          <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white sm:block">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <thead className="bg-slate-50">
                <tr>
                  <th className={th}>{t('admin.payments.totals.method')}</th>
                  <th className={th}>{t('admin.payments.totals.counts')}</th>
                  <th className={`${th} text-right`}>{t('admin.payments.totals.received')}</th>
                  <th className={`${th} text-right`}>{t('admin.payments.totals.credited')}</th>
                  <th className={`${th} text-right`}>{t('admin.payments.totals.reversed')}</th>
                  <th className={`${th} text-right`}>{t('admin.payments.totals.shortfall')}</th>
                  <th className={`${th} text-right`}>{t('admin.payments.totals.pending')}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {q.data.methods.map((m) => (
                  <tr key={m.methodId}>
                    <td className="px-3 py-2 font-medium">{m.method}</td>
                    <td className="px-3 py-2 text-xs text-slate-700">{countsText(m.counts)}</td>
                    <td className={td}>{f.money(m.received, q.data.currency)}</td>
                    <td className={td}>{f.money(m.credited, q.data.currency)}</td>
                    <td className={td}>{f.money(m.reversed, q.data.currency)}</td>
                    <td className={`${td} ${!isZero(m.shortfall) ? 'font-semibold text-red-700' : ''}`}>
                      {f.money(m.shortfall, q.data.currency)}
                    </td>
                    <td className={td}>{f.money(m.pendingAmount, q.data.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
