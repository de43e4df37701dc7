import { useInfiniteQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api, errorText, unwrap } from '../api';
import { FundsEntryList } from '../components/FundsEntryList';
import { MoreButton } from '../components/Pager';
import { RequireUser } from '../components/RequireUser';
import { Card, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { AddFundsCard, PaymentList, usePaymentMethods } from '../payments';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/funds')({
  component: () => <RequireUser>{() => <Funds />}</RequireUser>,
});

const PAGE = 50;

function Funds() {
  const { t } = useTranslation();
  const f = useFormat();
  const methods = usePaymentMethods();
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
  const canAdd = (methods.data?.methods.length ?? 0) > 0;
  return (
    <div>
      <PageTitle>{t('funds.title')}</PageTitle>
      {methods.isError && <ErrorMessage>{errorText(methods.error)}</ErrorMessage>}
      {methods.data && canAdd && (
        <div className="max-w-2xl">
          <AddFundsCard
            methods={methods.data.methods}
            currency={methods.data.currency}
            balance={first?.balance ?? null}
          />
          <PaymentList />
        </div>
      )}
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {first && (
        <>
          {!canAdd && (
            <Card className="mb-4">
              <p className="text-sm text-slate-600">{t('funds.balanceLabel')}</p>
              <p className="text-2xl font-bold">{f.money(first.balance, first.currency)}</p>
              {methods.data && <p className="mt-1 text-sm text-slate-600">{t('funds.howToAdd')}</p>}
            </Card>
          )}
          <h2 className="mb-2 font-semibold">{t('funds.history')}</h2>
          <FundsEntryList entries={entries} />
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
