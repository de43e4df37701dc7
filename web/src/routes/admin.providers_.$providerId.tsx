/**
 * Admin area: one provider (admins only). Its state (and why it is held), our balance there, its
 * services beside ours that send to them, and the actions: put on hold / resume, and remove (refused
 * while services or open orders use it). Each action asks first where it cannot be undone.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AdminOnly, ProviderStateBadge } from '../admin-ops';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Card, ConfirmButton, Empty, ErrorMessage, Loading, Notice } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/providers_/$providerId')({
  component: () => (
    <RequireStaff>
      {(me) => (me.role === 'admin' ? <ProviderPage /> : <AdminOnly what="providers" />)}
    </RequireStaff>
  ),
});

function ProviderPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = Number(Route.useParams().providerId);
  const q = useQuery({
    queryKey: ['admin', 'provider', id],
    queryFn: () => unwrap(adminApi.GET('/api/admin/providers/{id}', { params: { path: { id } } })),
  });
  return (
    <div className="space-y-4">
      <Link to="/admin/providers" className="inline-block min-h-11 py-2 text-sm text-indigo-700 underline">
        {t('admin.providers.back')}
      </Link>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <div className="flex items-start justify-between gap-3">
            <h1 className="min-w-0 break-words text-xl font-bold sm:text-2xl">{q.data.name}</h1>
            <span className="pt-1.5">
              <ProviderStateBadge state={q.data.state} />
            </span>
          </div>
          <Card>
            <p className="mb-3 text-sm text-slate-700">
              {t(`admin.providers.stateHelp.${q.data.state}`, { reason: q.data.heldReason ?? '—' })}
              {q.data.heldAt && <> {t('admin.providers.heldSince', { at: f.dateTime(q.data.heldAt) })}</>}
            </p>
            <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
              <div className="col-span-2 min-w-0">
                <dt className="text-xs text-slate-500">{t('admin.providers.address')}</dt>
                <dd className="break-all">{q.data.url}</dd>
              </div>
              <div>
                <dt className="text-xs text-slate-500">{t('admin.providers.ours')}</dt>
                <dd>{f.count(q.data.services)}</dd>
              </div>
              <div>
                <dt className="text-xs text-slate-500">{t('admin.providers.open')}</dt>
                <dd>{f.count(q.data.openOrders)}</dd>
              </div>
              <div>
                <dt className="text-xs text-slate-500">{t('admin.providers.sendLimit')}</dt>
                <dd>{f.count(q.data.sendLimit)}</dd>
              </div>
            </dl>
          </Card>
          <Balance id={id} />
          <Actions provider={q.data} />
          <UpstreamServices id={id} />
        </>
      )}
    </div>
  );
}

function Balance({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useQuery({
    queryKey: ['admin', 'provider', id, 'balance'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/providers/{id}/balance', { params: { path: { id } } })),
    retry: false,
  });
  return (
    <Card>
      <div className="flex items-center justify-between gap-3">
        <div>
          <h2 className="text-xs text-slate-500">{t('admin.providers.balance')}</h2>
          {q.isPending && <Loading label={t('common.loading')} />}
          {q.data && (
            <p className="text-lg font-bold">
              {q.data.currency ? f.money(q.data.balance, q.data.currency) : f.decimal(q.data.balance)}
            </p>
          )}
        </div>
        <Button variant="secondary" disabled={q.isFetching} onClick={() => void q.refetch()}>
          {t('admin.providers.refresh')}
        </Button>
      </div>
      {q.isError && (
        <div className="mt-2">
          <ErrorMessage>{errorText(q.error)}</ErrorMessage>
        </div>
      )}
    </Card>
  );
}

function Actions({ provider }: { provider: AdminSchemas['AdminProvider'] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const params = { path: { id: provider.id } };
  const refresh = () => qc.invalidateQueries({ queryKey: ['admin', 'provider'] });
  const hold = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/providers/{id}/hold', { params })),
    onSuccess: refresh,
  });
  const resume = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/providers/{id}/resume', { params })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/providers/{id}/remove', { params })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['admin', 'providers'] });
      await navigate({ to: '/admin/providers' });
    },
  });
  return (
    <Card className="space-y-4">
      <h2 className="font-semibold">{t('admin.providers.actions')}</h2>
      <div className="space-y-2">
        {provider.state === 'active' ? (
          <ConfirmButton
            variant="secondary"
            label={t('admin.providers.hold')}
            question={t('admin.providers.holdAsk', { name: provider.name })}
            confirmLabel={t('admin.providers.holdYes')}
            disabled={hold.isPending}
            onConfirm={() => {
              resume.reset();
              hold.mutate();
            }}
          />
        ) : (
          <>
            <p className="text-sm text-slate-600">{t('admin.providers.resumeHelp')}</p>
            <Button
              disabled={resume.isPending}
              onClick={() => {
                hold.reset();
                resume.mutate();
              }}
            >
              {t('admin.providers.resume')}
            </Button>
          </>
        )}
        {hold.isError && <ErrorMessage>{errorText(hold.error)}</ErrorMessage>}
        {resume.isError && <ErrorMessage>{errorText(resume.error)}</ErrorMessage>}
        {resume.data && <Notice>{t('admin.providers.resumed', { count: resume.data.requeued })}</Notice>}
      </div>
      <div className="space-y-2">
        <p className="text-sm text-slate-600">{t('admin.providers.removeHelp')}</p>
        <ConfirmButton
          label={t('admin.providers.remove')}
          question={t('admin.providers.removeAsk', { name: provider.name })}
          confirmLabel={t('admin.providers.removeYes')}
          disabled={remove.isPending}
          onConfirm={() => remove.mutate()}
        />
        {remove.isError && <ErrorMessage>{errorText(remove.error)}</ErrorMessage>}
      </div>
    </Card>
  );
}

function UpstreamServices({ id }: { id: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useQuery({
    queryKey: ['admin', 'provider', id, 'services'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/providers/{id}/services', { params: { path: { id } } })),
    retry: false,
  });
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.providers.upstream')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <p className="mb-2 text-sm text-slate-600">
            {t('admin.providers.upstreamCount', { count: q.data.services.length })}
            {q.data.skipped > 0 && <> {t('admin.providers.skipped', { count: q.data.skipped })}</>}
          </p>
          {q.data.services.length === 0 ? (
            <Empty>{t('admin.providers.upstreamCount', { count: 0 })}</Empty>
          ) : (
            <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
              {q.data.services.map((s) => (
                <li key={s.service} className="flex items-start justify-between gap-3 p-3 text-sm">
                  <div className="min-w-0">
                    <p className="font-medium break-words">
                      <span className="text-slate-500">#{s.service}</span> {s.name}
                    </p>
                    <p className="text-xs text-slate-500">
                      {s.category} · {s.type} · {t('admin.providers.minMax')} {f.count(s.min)}–
                      {f.count(s.max)}
                    </p>
                    <p className="text-xs">
                      {s.linked.length > 0 ? (
                        <span className="text-emerald-800">
                          {t('admin.providers.linked', {
                            names: s.linked.map((l) => `#${l.id} ${l.name}`).join(', '),
                          })}
                        </span>
                      ) : (
                        <span className="text-slate-500">{t('admin.providers.notLinked')}</span>
                      )}
                    </p>
                  </div>
                  <div className="shrink-0 text-right">
                    <p className="font-semibold">{f.decimal(s.rate)}</p>
                    <p className="text-xs text-slate-500">{t('admin.providers.rate')}</p>
                  </div>
                </li>
              ))}
            </ul>
          )}
          {q.data.orphans.length > 0 && (
            <div className="mt-3">
              <h3 className="mb-1 text-sm font-semibold">{t('admin.providers.orphans')}</h3>
              <ul className="list-inside list-disc text-sm">
                {q.data.orphans.map((o) => (
                  <li key={o.id}>
                    #{o.id} {o.name} ({o.providerServiceId ?? '—'})
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}
