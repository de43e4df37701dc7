import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api, errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireUser } from '../components/RequireUser';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { OrderViews, RefillRows } from '../orders';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/refills')({
  component: () => <RequireUser>{() => <Refills />}</RequireUser>,
});

function Refills() {
  const { t } = useTranslation();
  const f = useFormat();
  const pages = useKeysetPages();
  const { before } = pages;
  const q = useQuery({
    queryKey: ['refills', before],
    queryFn: () =>
      unwrap(
        api.GET('/api/web/refills', { params: { query: { ...(before ? { before } : {}), limit: 20 } } }),
      ),
    // Refill statuses move as the provider works: follow them without a reload.
    refetchInterval: 15_000,
  });
  const when = f.dateTime;
  return (
    <div>
      <OrderViews />
      <h1 className="mb-1 text-xl font-bold sm:text-2xl">{t('refills.title')}</h1>
      <p className="mb-4 text-sm text-slate-600">{t('refills.intro')}</p>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && q.data.refills.length === 0 && <Empty>{t('refills.empty')}</Empty>}
      {q.data && <RefillRows refills={q.data.refills} when={when} showOrder />}
      {q.data && <KeysetPager pages={pages} nextBefore={q.data.nextBefore} />}
    </div>
  );
}
