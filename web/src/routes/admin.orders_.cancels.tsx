/**
 * Admin area: cancel requests customers made whose order has not ended yet, oldest first. The engine
 * forwards them to the provider; an order fulfilled by hand is canceled from its page (Set status:
 * Canceled, which refunds), so each row links there.
 */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { AdminOrderViews, StatusBadge } from '../admin-orders';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Empty, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/orders_/cancels')({
  component: () => <RequireStaff>{() => <CancelsQueue />}</RequireStaff>,
});

function CancelsQueue() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useQuery({
    queryKey: ['admin', 'cancels'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/cancels')),
  });
  return (
    <div>
      <AdminOrderViews />
      <PageTitle>{t('admin.orders.cancels.title')}</PageTitle>
      <p className="mb-4 text-sm text-slate-600">{t('admin.orders.cancels.help')}</p>
      {list.isPending && <Loading label={t('common.loading')} />}
      {list.isError && <ErrorMessage>{errorText(list.error)}</ErrorMessage>}
      {list.data &&
        (list.data.cancels.length === 0 ? (
          <Empty>{t('admin.orders.cancels.none')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {list.data.cancels.map((c) => (
              <li key={c.order}>
                <Link
                  to="/admin/orders/$orderId"
                  params={{ orderId: String(c.order) }}
                  className="flex items-start justify-between gap-3 p-3 text-sm hover:bg-slate-50"
                >
                  <div className="min-w-0">
                    <p className="truncate font-medium text-indigo-700">
                      {t('orders.number', { id: c.order })} · {c.service ?? '—'}
                    </p>
                    <p className="text-xs text-slate-500">
                      {c.username} · {t('admin.orders.cancels.asked', { at: f.dateTime(c.requestedAt) })}
                    </p>
                  </div>
                  <div className="shrink-0 space-y-1 text-right">
                    <StatusBadge status={c.status} />
                    <p className="text-xs text-slate-600">
                      {t(`admin.orders.cancels.state.${c.state}`, { defaultValue: c.state })}
                    </p>
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}
