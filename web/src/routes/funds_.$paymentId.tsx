import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, errorText, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { Card, ErrorMessage, Loading, Notice } from '../components/ui';
import { PaymentBadge, refreshAfterPayment } from '../payments';
import { useMe } from '../session';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/funds_/$paymentId')({
  component: () => <RequireUser>{() => <PaymentPage />}</RequireUser>,
});

/** Where the gateway sends the customer back: the payment's state, followed until it is decided. */
function PaymentPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const me = useMe();
  const { paymentId } = Route.useParams();
  const id = Number(paymentId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const q = useQuery({
    queryKey: ['payments', 'one', id],
    queryFn: () => unwrap(api.GET('/api/web/payments/{id}', { params: { path: { id } } })),
    enabled: valid,
    staleTime: 0,
    // The gateway's callback may come a moment after the customer is back: ask again until decided.
    refetchInterval: (query) => (query.state.data?.state === 'pending' ? 3_000 : false),
  });
  const state = q.data?.state;

  // Once the money moved while the page was open (or just before it), the header's balance follows.
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (state === undefined || seen.current === state) return;
    seen.current = state;
    if (state !== 'pending') void refreshAfterPayment(qc);
  }, [state, qc]);

  const notFound = !valid || (q.error instanceof ApiError && q.error.status === 404);
  const p = q.data;
  const money = (a: string) => (p ? f.money(a, p.currency) : a);
  const user = me.data;

  return (
    <div className="mx-auto max-w-xl">
      <Link to="/funds" className="mb-2 inline-flex min-h-11 items-center text-sm text-indigo-700 underline">
        {t('payments.back')}
      </Link>
      {notFound && <ErrorMessage>{t('payments.unknown')}</ErrorMessage>}
      {valid && q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && !notFound && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {p && (
        <>
          <div className="mb-4 flex items-start justify-between gap-3">
            <h1 className="text-xl font-bold sm:text-2xl">{t('payments.detailTitle', { id: p.id })}</h1>
            <PaymentBadge state={p.state} />
          </div>
          <div className="mb-4 space-y-3">
            {p.state === 'pending' &&
              (p.payUrl !== null || p.kind !== 'manual' ? (
                <p
                  role="status"
                  aria-live="polite"
                  className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900"
                >
                  {t('payments.waiting')}
                </p>
              ) : (
                <p
                  role="status"
                  className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900"
                >
                  {t('payments.waitingManual')}
                </p>
              ))}
            {(p.state === 'completed' || p.state === 'partial') && (
              <Notice>
                {t('payments.done', { amount: money(p.credited) })}
                {user && (
                  <>
                    {' '}
                    <span data-testid="new-balance">
                      {t('payments.newBalance', { amount: f.money(user.balance, user.currency) })}
                    </span>
                  </>
                )}
              </Notice>
            )}
            {['rejected', 'expired', 'failed'].includes(p.state) && (
              <ErrorMessage>{t('payments.endedBad')}</ErrorMessage>
            )}
          </div>
          <Card>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
              <Fact label={t('payments.factMethod')}>{p.method}</Fact>
              <Fact label={t('payments.factAmount')}>{money(p.amount)}</Fact>
              {p.received !== null && <Fact label={t('payments.factReceived')}>{money(p.received)}</Fact>}
              {p.state !== 'pending' && <Fact label={t('payments.factCredited')}>{money(p.credited)}</Fact>}
              {p.reference && <Fact label={t('payments.factReference')}>{p.reference}</Fact>}
              <Fact label={t('payments.factCreated')}>
                <time dateTime={p.createdAt}>{f.dateTime(p.createdAt)}</time>
              </Fact>
              {p.endedAt && (
                <Fact label={t('payments.factEnded')}>
                  <time dateTime={p.endedAt}>{f.dateTime(p.endedAt)}</time>
                </Fact>
              )}
              {p.note && p.state !== 'pending' && (
                <Fact label={t('payments.factNote')}>
                  <span className="whitespace-pre-line">{p.note}</span>
                </Fact>
              )}
            </dl>
            {p.state === 'pending' && p.payUrl && (
              <a
                href={p.payUrl}
                className="mt-4 inline-flex min-h-11 w-full items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700 sm:w-auto"
              >
                {t('payments.payNow')}
              </a>
            )}
          </Card>
          <Link
            to="/funds"
            className="mt-4 inline-flex min-h-11 items-center font-semibold text-indigo-700 underline"
          >
            {t('payments.back')}
          </Link>
        </>
      )}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-600">{label}</dt>
      <dd className="min-w-0 break-words font-medium">{children}</dd>
    </>
  );
}
