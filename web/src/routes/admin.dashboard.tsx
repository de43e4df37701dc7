/**
 * Admin area (admins only): the dashboard. Today, 7 and 30 UTC days (orders, revenue, provider cost
 * with how many orders' cost is unknown, profit), what waits for a decision (links to the queues),
 * each provider's balance or why there is none, the last 30 days drawn as small hand-written SVG
 * charts with the same numbers in a table, and the CSV exports of a period.
 *
 * Money is the server's exact decimal text everywhere it is shown; the charts alone turn it into
 * numbers, to place bars and points (a pixel does not need exact cents).
 */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Card, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

type Dashboard = AdminSchemas['AdminDashboard'];
type Figures = AdminSchemas['AdminDashboardFigures'];

export const Route = createFileRoute('/admin/dashboard')({
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <DashboardPage /> : <AdminOnly />)}</RequireStaff>
  ),
});

function AdminOnly() {
  const { t } = useTranslation();
  return <Empty>{t('admin.dashboard.adminOnly')}</Empty>;
}

function DashboardPage() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['admin', 'dashboard'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/dashboard')),
    // Each load asks every provider for its balance: not again on every focus of the window.
    staleTime: 60_000,
  });
  return (
    <div className="space-y-6">
      <PageTitle>{t('admin.dashboard.title')}</PageTitle>
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorMessage>{errorText(q.error)}</ErrorMessage>
      ) : (
        <>
          <Periods d={q.data} />
          <Queue queue={q.data.queue} />
          <Chart d={q.data} />
          <Balances providers={q.data.providers} />
        </>
      )}
      <Exports />
    </div>
  );
}

const PERIODS = ['today', 'last7Days', 'last30Days'] as const;

function Periods({ d }: { d: Dashboard }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="dash-periods" className="space-y-2">
      <h2 id="dash-periods" className="sr-only">
        {t('admin.dashboard.figures')}
      </h2>
      <div className="grid gap-3 sm:grid-cols-3">
        {PERIODS.map((p) => (
          <PeriodCard
            key={p}
            title={t(`admin.dashboard.period.${p}`)}
            f={d.periods[p]}
            currency={d.currency}
          />
        ))}
      </div>
      <p className="text-xs text-slate-500">{t('admin.dashboard.rule')}</p>
    </section>
  );
}

function PeriodCard({ title, f, currency }: { title: string; f: Figures; currency: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const row = (label: string, value: string, extra?: string) => (
    <div className="flex items-baseline justify-between gap-3 py-1">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="text-right">
        <span className="font-semibold tabular-nums">{value}</span>
        {extra && <span className="block text-xs text-amber-800">{extra}</span>}
      </dd>
    </div>
  );
  return (
    <Card>
      <h3 className="mb-1 font-semibold">{title}</h3>
      <dl className="divide-y divide-slate-100">
        {row(t('admin.dashboard.orders'), fmt.count(f.orders))}
        {row(t('admin.dashboard.revenue'), fmt.money(f.revenue, currency))}
        {row(
          t('admin.dashboard.cost'),
          fmt.money(f.cost, currency),
          f.costUnknownOrders > 0
            ? t('admin.dashboard.unknownFor', { count: f.costUnknownOrders })
            : undefined,
        )}
        {row(t('admin.dashboard.profit'), fmt.money(f.profit, currency))}
        {row(t('admin.dashboard.paymentsIn'), fmt.money(f.paymentsIn, currency))}
      </dl>
    </Card>
  );
}

/** The queues: pages other parts of the admin area serve, reached by plain links. */
const QUEUE: { key: Exclude<keyof Dashboard['queue'], 'paymentsWaiting'>; href: string }[] = [
  { key: 'ordersInReview', href: '/admin/orders?dispatch=review' },
  { key: 'heldProviders', href: '/admin/providers' },
  { key: 'openAlerts', href: '/admin/alerts' },
  { key: 'cancelRequests', href: '/admin/orders/cancels' },
  { key: 'openRefills', href: '/admin/orders/refills' },
  { key: 'openTickets', href: '/admin/tickets' },
];

const queueItemClass = (n: number) =>
  `flex min-h-11 items-center justify-between gap-2 rounded-lg border px-3 py-2 text-sm ${
    n > 0 ? 'border-amber-300 bg-amber-50 text-amber-900' : 'border-slate-200 bg-white text-slate-600'
  }`;

function Queue({ queue }: { queue: Dashboard['queue'] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const waiting = queue.paymentsWaiting;
  const payments = waiting.manual + waiting.gateway;
  return (
    <section aria-labelledby="dash-queue" className="space-y-2">
      <h2 id="dash-queue" className="text-lg font-semibold">
        {t('admin.dashboard.queue')}
      </h2>
      <ul className="grid grid-cols-2 gap-2 sm:grid-cols-3">
        {QUEUE.map(({ key, href }) => {
          const n = queue[key];
          return (
            <li key={key}>
              <a href={href} className={queueItemClass(n)}>
                <span>{t(`admin.dashboard.q.${key}`)}</span>
                <span className="text-base font-semibold tabular-nums">{fmt.count(n)}</span>
              </a>
            </li>
          );
        })}
        {/* Manual payments wait for an admin; gateway ones for the gateway (shown apart). */}
        <li>
          <a href="/admin/payments?state=pending" className={queueItemClass(waiting.manual)}>
            <span>
              {t('admin.dashboard.q.paymentsWaiting')}
              <span className="block text-xs opacity-80">
                {t('admin.dashboard.q.paymentsWaitingSplit', {
                  manual: fmt.count(waiting.manual),
                  gateway: fmt.count(waiting.gateway),
                })}
              </span>
            </span>
            <span className="text-base font-semibold tabular-nums">{fmt.count(payments)}</span>
          </a>
        </li>
      </ul>
    </section>
  );
}

function Balances({ providers }: { providers: Dashboard['providers'] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <section aria-labelledby="dash-balances" className="space-y-2">
      <h2 id="dash-balances" className="text-lg font-semibold">
        {t('admin.dashboard.balances')}
      </h2>
      {providers.length === 0 ? (
        <Empty>{t('admin.dashboard.noProviders')}</Empty>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {providers.map((p) => (
            <li key={p.id} className="flex items-start justify-between gap-3 p-3 text-sm">
              <div className="min-w-0">
                <p className="truncate font-medium">{p.name}</p>
                <p className="text-xs text-slate-500">{t(`admin.dashboard.state.${p.state}`, p.state)}</p>
              </div>
              {p.balance !== null ? (
                <p className="shrink-0 font-semibold tabular-nums">
                  {fmt.money(p.balance, p.currency ?? '')}
                </p>
              ) : (
                <p className="min-w-0 max-w-[60%] break-words text-right text-xs text-red-800">
                  {t('admin.dashboard.noBalance', { error: p.error ?? '' })}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// ---- the 30 days ---------------------------------------------------------------------------------

const W = 300;
const H = 72;
const PAD_TOP = 4;

/** Where a value sits between the lowest and highest (0 always in range, so bars start at 0). */
function scaler(values: number[]) {
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  return (v: number) => PAD_TOP + (H - PAD_TOP) * (1 - (v - min) / span);
}

function MiniChart({
  label,
  values,
  top,
  kind,
  colour,
}: {
  label: string;
  values: number[];
  /** The highest value as the page writes it (the scale's top). */
  top: string;
  kind: 'bars' | 'line';
  colour: string;
}) {
  const y = scaler(values);
  const step = W / values.length;
  const zero = y(0);
  return (
    <figure className="space-y-1">
      <figcaption className="flex justify-between text-xs text-slate-600">
        <span className="font-medium">{label}</span>
        <span className="tabular-nums">{top}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="h-20 w-full rounded border border-slate-200 bg-white"
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        <line x1={0} x2={W} y1={zero} y2={zero} stroke="#cbd5e1" vectorEffect="non-scaling-stroke" />
        {kind === 'bars' ? (
          values.map((v, i) => (
            <rect
              // biome-ignore lint/suspicious/noArrayIndexKey: one bar per day, in day order
              key={i}
              x={i * step + step * 0.15}
              width={step * 0.7}
              y={Math.min(y(v), zero)}
              height={Math.abs(zero - y(v))}
              fill={colour}
            />
          ))
        ) : (
          <polyline
            fill="none"
            stroke={colour}
            strokeWidth={2}
            vectorEffect="non-scaling-stroke"
            points={values.map((v, i) => `${(i + 0.5) * step},${y(v)}`).join(' ')}
          />
        )}
      </svg>
    </figure>
  );
}

/** The largest of decimal texts, as written (compared exactly, as numbers only to pick). */
function largest(texts: string[]): string {
  let best = texts[0] ?? '0';
  for (const s of texts) if (Number(s) > Number(best)) best = s;
  return best;
}

function Chart({ d }: { d: Dashboard }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const days = d.days;
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  return (
    <section aria-labelledby="dash-chart" className="space-y-2">
      <h2 id="dash-chart" className="text-lg font-semibold">
        {t('admin.dashboard.chart')}
      </h2>
      <div className="grid gap-3 sm:grid-cols-3">
        <MiniChart
          label={t('admin.dashboard.orders')}
          values={days.map((x) => x.orders)}
          top={fmt.count(Math.max(0, ...days.map((x) => x.orders)))}
          kind="bars"
          colour="#6366f1"
        />
        <MiniChart
          label={t('admin.dashboard.revenue')}
          values={days.map((x) => Number(x.revenue))}
          top={fmt.money(largest(days.map((x) => x.revenue)), d.currency)}
          kind="line"
          colour="#059669"
        />
        <MiniChart
          label={t('admin.dashboard.profit')}
          values={days.map((x) => Number(x.profit))}
          top={fmt.money(largest(days.map((x) => x.profit)), d.currency)}
          kind="line"
          colour="#d97706"
        />
      </div>
      <p className="flex justify-between text-xs text-slate-500">
        <span>{first}</span>
        <span>{t('admin.dashboard.utcDays')}</span>
        <span>{last}</span>
      </p>
      <details className="rounded-lg border border-slate-200 bg-white">
        <summary className="min-h-11 cursor-pointer px-3 py-3 text-sm font-medium text-indigo-700">
          {t('admin.dashboard.table')}
        </summary>
        <div className="overflow-x-auto">
          <table className="w-full text-right text-xs tabular-nums sm:text-sm">
            <caption className="sr-only">{t('admin.dashboard.chart')}</caption>
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th scope="col" className="px-2 py-1 text-left">
                  {t('admin.dashboard.day')}
                </th>
                <th scope="col" className="px-2 py-1">
                  {t('admin.dashboard.orders')}
                </th>
                <th scope="col" className="px-2 py-1">
                  {t('admin.dashboard.inCurrency', {
                    what: t('admin.dashboard.revenue'),
                    currency: d.currency,
                  })}
                </th>
                <th scope="col" className="px-2 py-1">
                  {t('admin.dashboard.inCurrency', {
                    what: t('admin.dashboard.profit'),
                    currency: d.currency,
                  })}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {[...days].reverse().map((x) => (
                <tr key={x.day}>
                  <th scope="row" className="px-2 py-1 text-left font-normal whitespace-nowrap">
                    {x.day}
                  </th>
                  <td className="px-2 py-1">{fmt.count(x.orders)}</td>
                  <td className="px-2 py-1">{fmt.decimal(x.revenue)}</td>
                  <td className="px-2 py-1">{fmt.decimal(x.profit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

// ---- exports -------------------------------------------------------------------------------------

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Why the period cannot be exported, or null. Same rules as the server's. */
function periodProblem(from: string, to: string): 'invalid' | 'tooLong' | null {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (!/^\d{4}-\d\d-\d\d$/.test(from) || !/^\d{4}-\d\d-\d\d$/.test(to) || Number.isNaN(a) || Number.isNaN(b))
    return 'invalid';
  if (a > b) return 'invalid';
  return (b - a) / DAY_MS + 1 > MAX_DAYS ? 'tooLong' : null;
}

function Exports() {
  const { t } = useTranslation();
  const today = Date.now();
  const [from, setFrom] = useState(isoDay(today - 29 * DAY_MS));
  const [to, setTo] = useState(isoDay(today));
  const problem = periodProblem(from, to);
  const query = new URLSearchParams({ from, to }).toString();
  const link = (what: 'orders' | 'ledger' | 'payments') =>
    problem === null ? (
      <a
        href={`/api/admin/exports/${what}.csv?${query}`}
        download
        className="inline-flex min-h-11 items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
      >
        {t(`admin.dashboard.export.${what}`)}
      </a>
    ) : (
      <span
        aria-disabled="true"
        className="inline-flex min-h-11 items-center justify-center rounded-md bg-slate-200 px-4 py-2 text-sm font-semibold text-slate-500"
      >
        {t(`admin.dashboard.export.${what}`)}
      </span>
    );
  return (
    <section aria-labelledby="dash-exports" className="space-y-2">
      <h2 id="dash-exports" className="text-lg font-semibold">
        {t('admin.dashboard.export.title')}
      </h2>
      <Card className="space-y-3">
        <p className="text-sm text-slate-600">{t('admin.dashboard.export.hint', { max: MAX_DAYS })}</p>
        <div className="grid grid-cols-2 gap-3 sm:max-w-md">
          <Field label={t('admin.dashboard.export.from')}>
            {(id) => (
              <input
                id={id}
                type="date"
                className={inputClass}
                value={from}
                onChange={(e) => setFrom(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('admin.dashboard.export.to')}>
            {(id) => (
              <input
                id={id}
                type="date"
                className={inputClass}
                value={to}
                onChange={(e) => setTo(e.target.value)}
              />
            )}
          </Field>
        </div>
        {problem && (
          <ErrorMessage>
            {problem === 'invalid'
              ? t('admin.dashboard.export.invalid')
              : t('admin.dashboard.export.tooLong', { max: MAX_DAYS })}
          </ErrorMessage>
        )}
        <div className="grid grid-cols-2 gap-2 sm:flex">
          {link('orders')}
          {link('ledger')}
          {link('payments')}
        </div>
      </Card>
    </section>
  );
}
