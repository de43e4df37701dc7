/**
 * Admin area: the refills queue. Open requests (Pending, In progress) by default, or those of one
 * status, newest first; staff (support too) move each along: start it, mark it done, reject or
 * cancel it (those two ask first).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AdminOrderViews, StatusBadge } from '../admin-orders';
import { errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import {
  Button,
  ConfirmButton,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  PageTitle,
} from '../components/ui';
import { useFormat } from '../use-format';

const FILTERS = ['open', 'all', 'pending', 'in_progress', 'completed', 'rejected', 'canceled'] as const;
type Filter = (typeof FILTERS)[number];

export const Route = createFileRoute('/admin/orders_/refills')({
  validateSearch: (s: Record<string, unknown>): { status?: Filter } =>
    typeof s.status === 'string' && (FILTERS as readonly string[]).includes(s.status) && s.status !== 'open'
      ? { status: s.status as Filter }
      : {},
  component: () => <RequireStaff>{() => <RefillsQueue />}</RequireStaff>,
});

function RefillsQueue() {
  const { t } = useTranslation();
  const { status = 'open' } = Route.useSearch();
  const navigate = useNavigate();
  return (
    <div>
      <AdminOrderViews />
      <PageTitle>{t('admin.orders.refills.title')}</PageTitle>
      <div className="mb-4 sm:max-w-xs">
        <Field label={t('admin.orders.refills.show')}>
          {(id) => (
            <select
              id={id}
              className={`${inputClass} min-h-11`}
              value={status}
              onChange={(e) =>
                void navigate({
                  to: '/admin/orders/refills',
                  search: e.target.value === 'open' ? {} : { status: e.target.value as Filter },
                })
              }
            >
              {FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s === 'open' || s === 'all' ? t(`admin.orders.refills.${s}`) : t(`status.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <RefillList key={status} status={status} />
    </div>
  );
}

function RefillList({ status }: { status: Filter }) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const before = pages.before;
  const list = useQuery({
    queryKey: ['admin', 'refills', status, before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/refills', {
          params: {
            query: { ...(status === 'all' ? {} : { status }), ...(before ? { before } : {}), limit: 50 },
          },
        }),
      ),
  });
  if (list.isPending) return <Loading label={t('common.loading')} />;
  if (list.isError) return <ErrorMessage>{errorText(list.error)}</ErrorMessage>;
  return (
    <>
      {list.data.refills.length === 0 ? (
        <Empty>{t('admin.orders.refills.none')}</Empty>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {list.data.refills.map((r) => (
            <RefillItem key={r.id} r={r} />
          ))}
        </ul>
      )}
      <KeysetPager pages={pages} nextBefore={list.data.nextBefore} />
    </>
  );
}

function RefillItem({ r }: { r: AdminSchemas['AdminRefill'] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const move = useMutation({
    mutationFn: (status: AdminSchemas['AdminSetRefillStatus']['status']) =>
      unwrap(
        adminApi.POST('/api/admin/refills/{id}/status', { params: { path: { id: r.id } }, body: { status } }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['admin', 'refills'] });
      await qc.invalidateQueries({ queryKey: ['admin', 'order', r.order] });
    },
  });
  const open = r.status === 'pending' || r.status === 'in_progress';
  const name = t('refills.number', { id: r.id });
  return (
    <li className="space-y-2 p-3 text-sm">
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-medium">
            {name} ·{' '}
            <Link
              to="/admin/orders/$orderId"
              params={{ orderId: String(r.order) }}
              className="text-indigo-700 underline"
            >
              {t('orders.number', { id: r.order })}
            </Link>
          </p>
          <p className="text-xs text-slate-500">
            {r.username} · <time dateTime={r.createdAt}>{f.dateTime(r.createdAt)}</time> ·{' '}
            {t('admin.orders.refills.forwarding', {
              state: t(`admin.orders.refills.fwd.${r.forwarding}`, { defaultValue: r.forwarding }),
            })}
            {r.upstreamRefill ? ` #${r.upstreamRefill}` : ''}
          </p>
          {r.error && <p className="font-mono text-xs text-red-800">{r.error}</p>}
        </div>
        <StatusBadge status={r.status} />
      </div>
      {open && (
        <div className="flex flex-wrap gap-2">
          {r.status === 'pending' && (
            <Button
              variant="secondary"
              disabled={move.isPending}
              aria-label={t('admin.orders.refills.startLabel', { name })}
              onClick={() => move.mutate('in_progress')}
            >
              {t('admin.orders.refills.start')}
            </Button>
          )}
          <Button
            variant="secondary"
            disabled={move.isPending}
            aria-label={t('admin.orders.refills.doneLabel', { name })}
            onClick={() => move.mutate('completed')}
          >
            {t('admin.orders.refills.done')}
          </Button>
          <ConfirmButton
            label={t('admin.orders.refills.reject')}
            ariaLabel={t('admin.orders.refills.rejectLabel', { name })}
            question={t('admin.orders.refills.rejectAsk', { name })}
            confirmLabel={t('admin.orders.refills.rejectYes')}
            disabled={move.isPending}
            onConfirm={() => move.mutate('rejected')}
          />
        </div>
      )}
      {move.isError && <ErrorMessage>{errorText(move.error)}</ErrorMessage>}
    </li>
  );
}
