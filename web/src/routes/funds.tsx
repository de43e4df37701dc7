import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api, errorText, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { Card, Empty, ErrorMessage, Loading, PageTitle } from '../components/ui';

export const Route = createFileRoute('/funds')({
  component: () => <RequireUser>{() => <Funds />}</RequireUser>,
});

function Funds() {
  const { t, i18n } = useTranslation();
  const q = useQuery({ queryKey: ['funds'], queryFn: () => unwrap(api.GET('/api/web/funds')) });
  return (
    <div>
      <PageTitle>{t('funds.title')}</PageTitle>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <Card className="mb-4">
            <p className="text-sm text-slate-600">{t('funds.balanceLabel')}</p>
            <p className="text-2xl font-bold">
              {q.data.balance} {q.data.currency}
            </p>
            <p className="mt-1 text-sm text-slate-600">{t('funds.howToAdd')}</p>
          </Card>
          <h2 className="mb-2 font-semibold">{t('funds.history')}</h2>
          {q.data.entries.length === 0 ? (
            <Empty>{t('funds.empty')}</Empty>
          ) : (
            <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
              {q.data.entries.map((e) => (
                <li key={e.id} className="flex items-start justify-between gap-3 p-3 text-sm">
                  <div className="min-w-0">
                    <p className="font-medium">
                      {t(`ledger.${e.kind}`, { defaultValue: e.kind })}
                      {e.order !== null && ` · ${t('orders.number', { id: e.order })}`}
                    </p>
                    <p className="text-xs text-slate-500">
                      <time dateTime={e.at}>{new Date(e.at).toLocaleString(i18n.language)}</time>
                      {e.note ? ` · ${e.note}` : ''}
                    </p>
                  </div>
                  <div className="text-right">
                    <p
                      className={`font-semibold ${e.amount.startsWith('-') ? 'text-red-700' : 'text-emerald-700'}`}
                    >
                      {e.amount.startsWith('-') ? e.amount : `+${e.amount}`}
                    </p>
                    <p className="text-xs text-slate-500">{t('funds.after', { amount: e.balanceAfter })}</p>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
