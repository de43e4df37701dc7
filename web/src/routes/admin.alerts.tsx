/**
 * Admin area: the alerts (admins only), what the engine needs a person to look at: open ones first
 * (the default view), each with its kind, message, the provider and order it is about, and its age;
 * Resolve marks one dealt with (an optional note goes to the audit log). Resolved ones on a second
 * view.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AdminOnly } from '../admin-ops';
import { errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

type View = 'open' | 'resolved';

export const Route = createFileRoute('/admin/alerts')({
  validateSearch: (s: Record<string, unknown>): { state?: View } =>
    s.state === 'resolved' ? { state: 'resolved' } : {},
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <Alerts /> : <AdminOnly what="alerts" />)}</RequireStaff>
  ),
});

/** "5 minutes ago", in the page's language. */
function useAge() {
  const { i18n } = useTranslation();
  const rtf = new Intl.RelativeTimeFormat(i18n.language, { numeric: 'auto' });
  return (iso: string) => {
    const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    const a = Math.abs(s);
    if (a < 60) return rtf.format(s, 'second');
    if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
    if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
    return rtf.format(Math.round(s / 86400), 'day');
  };
}

function Alerts() {
  const { t } = useTranslation();
  const state: View = Route.useSearch().state ?? 'open';
  return (
    <div>
      <PageTitle>{t('admin.alerts.title')}</PageTitle>
      <nav aria-label={t('admin.alerts.show')} className="mb-3 flex gap-2">
        {(['open', 'resolved'] as const).map((v) => (
          <Link
            key={v}
            to="/admin/alerts"
            search={v === 'open' ? {} : { state: v }}
            aria-current={v === state ? 'page' : undefined}
            className={`inline-flex min-h-11 items-center rounded-full border px-4 text-sm font-medium ${
              v === state
                ? 'border-indigo-600 bg-indigo-600 text-white'
                : 'border-slate-300 bg-white text-slate-700'
            }`}
          >
            {t(`admin.alerts.${v}`)}
          </Link>
        ))}
      </nav>
      <AlertList key={state} state={state} />
    </div>
  );
}

function AlertList({ state }: { state: View }) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const before = pages.before;
  const q = useQuery({
    queryKey: ['admin', 'alerts', state, before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/alerts', {
          params: { query: { state, limit: 50, ...(before ? { before } : {}) } },
        }),
      ),
  });
  if (q.isPending) return <Loading label={t('common.loading')} />;
  if (q.isError) return <ErrorMessage>{errorText(q.error)}</ErrorMessage>;
  return (
    <>
      <p className="mb-2 text-sm text-slate-600">{t('admin.alerts.openCount', { count: q.data.open })}</p>
      {q.data.alerts.length === 0 ? (
        <Empty>{state === 'open' ? t('admin.alerts.none') : t('admin.alerts.noneResolved')}</Empty>
      ) : (
        <ul className="space-y-3">
          {q.data.alerts.map((a) => (
            <AlertItem key={a.id} alert={a} />
          ))}
        </ul>
      )}
      <KeysetPager pages={pages} nextBefore={q.data.nextBefore} />
    </>
  );
}

function AlertItem({ alert: a }: { alert: AdminSchemas['AdminAlert'] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const age = useAge();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const resolve = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/alerts/{id}/resolve', {
          params: { path: { id: a.id } },
          body: note.trim() ? { note: note.trim() } : {},
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin', 'alerts'] }),
  });
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
      <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
        <span className="rounded bg-amber-50 px-1.5 font-mono text-xs text-amber-900">{a.kind}</span>
        <span className="text-xs text-slate-500">
          {a.resolvedAt ? (
            t('admin.alerts.resolvedAt', { at: f.dateTime(a.resolvedAt) })
          ) : (
            <time dateTime={a.createdAt} title={f.dateTime(a.createdAt)}>
              {t('admin.alerts.raised', { age: age(a.createdAt) })}
            </time>
          )}
        </span>
      </div>
      <p className="break-words whitespace-pre-wrap">{a.message}</p>
      {(a.providerId !== null || a.orderId !== null) && (
        <p className="mt-1 flex flex-wrap gap-x-4 text-sm">
          {a.providerId !== null && (
            <Link
              to="/admin/providers/$providerId"
              params={{ providerId: String(a.providerId) }}
              className="inline-block min-h-11 py-2 text-indigo-700 underline"
            >
              {t('admin.alerts.provider', { name: a.providerName ?? `#${a.providerId}` })}
            </Link>
          )}
          {a.orderId !== null && (
            <a
              href={`/admin/orders/${a.orderId}`}
              className="inline-block min-h-11 py-2 text-indigo-700 underline"
            >
              {t('admin.alerts.order', { id: a.orderId })}
            </a>
          )}
        </p>
      )}
      {!a.resolvedAt && (
        <form
          className="mt-2 flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (!resolve.isPending) resolve.mutate();
          }}
        >
          <label className="min-w-0 flex-1">
            <span className="sr-only">{t('admin.alerts.note')}</span>
            <input
              className={inputClass}
              maxLength={500}
              placeholder={t('admin.alerts.note')}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <Button
            type="submit"
            disabled={resolve.isPending}
            aria-label={t('admin.alerts.resolveFor', { id: a.id })}
          >
            {t('admin.alerts.resolve')}
          </Button>
        </form>
      )}
      {resolve.isError && (
        <div className="mt-2">
          <ErrorMessage>{errorText(resolve.error)}</ErrorMessage>
        </div>
      )}
    </li>
  );
}
