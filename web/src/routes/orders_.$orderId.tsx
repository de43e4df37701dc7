import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { Card, ErrorMessage, LinkText, Loading } from '../components/ui';
import { OrderActions, RefillRows, StatusBadge } from '../orders';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/orders_/$orderId')({
  component: () => <RequireUser>{() => <OrderPage />}</RequireUser>,
});

function OrderPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { orderId } = Route.useParams();
  const id = Number(orderId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const q = useQuery({
    queryKey: ['orders', 'one', id],
    queryFn: () => unwrap(api.GET('/api/web/orders/{id}', { params: { path: { id } } })),
    enabled: valid,
    // Statuses, runs and posts move as the engine works: follow them without a reload.
    refetchInterval: 15_000,
  });
  const when = f.dateTime;

  return (
    <div className="mx-auto max-w-3xl">
      <Link to="/orders" className="mb-2 inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        {t('orders.back')}
      </Link>
      {!valid && <ErrorMessage>{t('orders.notFound')}</ErrorMessage>}
      {valid && q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <div className="mb-4 flex items-start justify-between gap-3">
            <div className="min-w-0">
              <h1 className="text-xl font-bold sm:text-2xl">{t('orders.number', { id: q.data.order.id })}</h1>
              <p className="text-slate-700">
                {q.data.order.serviceName ?? t('orders.serviceNumber', { id: q.data.order.service })}
              </p>
            </div>
            <StatusBadge status={q.data.order.status} />
          </div>
          <Card>
            <Facts
              rows={[
                q.data.order.username !== null
                  ? [t('orders.username'), q.data.order.username]
                  : [t('orders.link'), <LinkText key="l" link={q.data.order.link} />],
                [t('orders.charge'), f.money(q.data.order.charge, q.data.currency)],
                [
                  t('orders.quantity'),
                  `${q.data.order.quantity}${
                    q.data.order.runs
                      ? ` × ${t('orders.runs', { runs: q.data.order.runs, interval: q.data.order.interval })}`
                      : ''
                  }`,
                ],
                [t('orders.startCount'), q.data.order.startCount ?? '—'],
                [t('orders.remains'), q.data.order.remains],
                [t('orders.created'), when(q.data.order.createdAt)],
              ]}
            />
            <OrderActions order={q.data.order} />
          </Card>
          {q.data.subscription && <Subscription sub={q.data.subscription} />}
          {q.data.runs && (
            <Section title={t('orders.runsTitle', { done: q.data.runs.length, total: q.data.order.runs })}>
              {q.data.runs.length === 0 ? (
                <p className="text-sm text-slate-600">{t('orders.noRuns')}</p>
              ) : (
                <ol className="space-y-2">
                  {q.data.runs.map((r) => (
                    <li key={r.run} className="rounded-md border border-slate-200 p-3">
                      <div className="flex items-center justify-between gap-2">
                        <h3 className="font-semibold">{t('orders.run', { n: r.run })}</h3>
                        <StatusBadge status={r.status} />
                      </div>
                      <Facts
                        rows={[
                          [t('orders.quantity'), r.quantity],
                          [t('orders.charge'), f.money(r.charge, q.data.currency)],
                          [t('orders.startCount'), r.startCount ?? '—'],
                          [t('orders.remains'), r.remains],
                          [t('orders.when'), when(r.createdAt)],
                        ]}
                      />
                    </li>
                  ))}
                </ol>
              )}
            </Section>
          )}
          <Section title={t('refills.title')}>
            {q.data.refills.length === 0 ? (
              <p className="text-sm text-slate-600">{t('refills.noneForOrder')}</p>
            ) : (
              <RefillRows refills={q.data.refills} when={when} />
            )}
          </Section>
          {q.data.payments.length > 0 && (
            <Section title={t('orders.payments')}>
              <ul className="divide-y divide-slate-100 text-sm">
                {q.data.payments.map((p) => (
                  <li key={`${p.at}-${p.kind}-${p.amount}`} className="flex justify-between gap-3 py-2">
                    <span>
                      {t(`orders.paymentKinds.${p.kind}`, { defaultValue: p.kind })}
                      <span className="block text-xs text-slate-500">{when(p.at)}</span>
                    </span>
                    <span className="whitespace-nowrap font-medium tabular-nums">
                      {f.money(p.amount, q.data.currency)}
                    </span>
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </>
      )}
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mt-5">
      <h2 className="mb-2 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd className="min-w-0">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Subscription({ sub }: { sub: Schemas['OrderSubscription'] }) {
  const { t } = useTranslation();
  return (
    <Section title={t('orders.subscription')}>
      <Card>
        <Facts
          rows={[
            [t('orders.username'), sub.username ?? '—'],
            [t('orders.minMax'), `${sub.min ?? '—'} – ${sub.max ?? '—'}`],
            [
              t('orders.postsDone'),
              sub.posts === null
                ? t('orders.postsOpen', { done: sub.postsDone })
                : t('orders.postsOf', { done: sub.postsDone, total: sub.posts }),
            ],
            [t('orders.oldPosts'), sub.oldPosts ?? 0],
            [t('orders.delay'), t('orders.minutes', { n: sub.delay ?? 0 })],
            [t('orders.expiry'), sub.expiry ?? t('orders.noExpiry')],
          ]}
        />
        <p className="mt-2 text-xs text-slate-500">{t('orders.postsNote')}</p>
      </Card>
    </Section>
  );
}
