import { useInfiniteQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api, errorText, unwrap } from '../api';
import { MoreButton } from '../components/Pager';
import { RequireUser } from '../components/RequireUser';
import { Card, Empty, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/funds')({
  component: () => <RequireUser>{() => <Funds />}</RequireUser>,
});

const PAGE = 50;

function Funds() {
  const { t } = useTranslation();
  const f = useFormat();
  // Keyset pages of the history (newest first); "More" appends the next older page.
  const q = useInfiniteQuery({
    queryKey: ['funds'],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/web/funds', {
          params: { query: { limit: PAGE, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const first = q.data?.pages[0];
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <div>
      <PageTitle>{t('funds.title')}</PageTitle>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {first && (
        <>
          <Card className="mb-4">
            <p className="text-sm text-slate-600">{t('funds.balanceLabel')}</p>
            <p className="text-2xl font-bold">{f.money(first.balance, first.currency)}</p>
            <p className="mt-1 text-sm text-slate-600">{t('funds.howToAdd')}</p>
          </Card>
          <h2 className="mb-2 font-semibold">{t('funds.history')}</h2>
          {entries.length === 0 ? (
            <Empty>{t('funds.empty')}</Empty>
          ) : (
            <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
              {entries.map((e) => (
                <li key={e.id} className="flex items-start justify-between gap-3 p-3 text-sm">
                  <div className="min-w-0">
                    <p className="font-medium">
                      {t(`ledger.${e.kind}`, { defaultValue: e.kind })}
                      {e.order !== null && ` · ${t('orders.number', { id: e.order })}`}
                    </p>
                    <p className="text-xs text-slate-500">
                      <time dateTime={e.at}>{f.dateTime(e.at)}</time>
                      {e.note ? ` · ${e.note}` : ''}
                    </p>
                  </div>
                  <div className="text-right">
                    <p
                      className={`font-semibold ${e.amount.startsWith('-') ? 'text-red-700' : 'text-emerald-700'}`}
                    >
                      {e.amount.startsWith('-') ? f.decimal(e.amount) : `+${f.decimal(e.amount)}`}
                    </p>
                    <p className="text-xs text-slate-500">
                      {t('funds.after', { amount: f.decimal(e.balanceAfter) })}
                    </p>
                  </div>
                </li>
              ))}
            </ul>
          )}
          {q.hasNextPage ? (
            <MoreButton
              label={t('funds.more')}
              loading={q.isFetchingNextPage}
              onMore={() => void q.fetchNextPage()}
            />
          ) : (
            entries.length > PAGE && (
              <p className="mt-4 text-center text-sm text-slate-500">{t('funds.allShown')}</p>
            )
          )}
        </>
      )}
    </div>
  );
}
