/**
 * Admin area: the providers (admins only). Add one (its API address and our key there, checked with a
 * balance call before it is saved; the key is never shown again) and the list, each with its state,
 * why it is held, and how many of our services and open orders use it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { AdminOnly, ProviderStateBadge } from '../admin-ops';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Card, Empty, ErrorMessage, Loading, Notice, PageTitle, TextField } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/providers')({
  component: () => (
    <RequireStaff>
      {(me) => (me.role === 'admin' ? <Providers /> : <AdminOnly what="providers" />)}
    </RequireStaff>
  ),
});

function Providers() {
  const { t } = useTranslation();
  const list = useQuery({
    queryKey: ['admin', 'providers'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/providers')),
  });
  return (
    <div className="space-y-4">
      <PageTitle>{t('admin.providers.title')}</PageTitle>
      <AddProvider />
      <section>
        <h2 className="mb-2 font-semibold">{t('admin.providers.list')}</h2>
        {list.isPending && <Loading label={t('common.loading')} />}
        {list.isError && <ErrorMessage>{errorText(list.error)}</ErrorMessage>}
        {list.data &&
          (list.data.providers.length === 0 ? (
            <Empty>{t('admin.providers.none')}</Empty>
          ) : (
            <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
              {list.data.providers.map((p) => (
                <li key={p.id}>
                  <Link
                    to="/admin/providers/$providerId"
                    params={{ providerId: String(p.id) }}
                    className="flex items-center justify-between gap-3 p-3 hover:bg-slate-50"
                  >
                    <div className="min-w-0">
                      <p className="truncate font-medium text-indigo-700">{p.name}</p>
                      <p className="truncate text-xs text-slate-500">{p.url}</p>
                      <p className="text-xs text-slate-500">
                        {t('admin.providers.services', { count: p.services })} ·{' '}
                        {t('admin.providers.openOrders', { count: p.openOrders })}
                      </p>
                    </div>
                    <ProviderStateBadge state={p.state} />
                  </Link>
                </li>
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}

function AddProvider() {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [apiKey, setApiKey] = useState('');
  const add = useMutation({
    mutationFn: () =>
      unwrap(adminApi.POST('/api/admin/providers', { body: { name: name.trim(), url: url.trim(), apiKey } })),
    onSuccess: async () => {
      setName('');
      setUrl('');
      setApiKey('');
      await qc.invalidateQueries({ queryKey: ['admin', 'providers'] });
    },
  });
  return (
    <Card>
      <h2 className="mb-1 font-semibold">{t('admin.providers.add')}</h2>
      <p className="mb-3 text-sm text-slate-600">{t('admin.providers.addHelp')}</p>
      <form
        className="space-y-3 sm:max-w-md"
        onSubmit={(e) => {
          e.preventDefault();
          if (!add.isPending) add.mutate();
        }}
      >
        <TextField
          label={t('admin.providers.name')}
          hint={t('admin.providers.nameHint')}
          required
          maxLength={100}
          autoComplete="off"
          value={name}
          onChange={(v) => {
            setName(v);
            add.reset();
          }}
        />
        <TextField
          label={t('admin.providers.url')}
          hint={t('admin.providers.urlHint')}
          required
          type="url"
          inputMode="url"
          autoComplete="off"
          placeholder="https://"
          value={url}
          onChange={(v) => {
            setUrl(v);
            add.reset();
          }}
        />
        <TextField
          label={t('admin.providers.key')}
          hint={t('admin.providers.keyHint')}
          required
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          value={apiKey}
          onChange={(v) => {
            setApiKey(v);
            add.reset();
          }}
        />
        <Button type="submit" disabled={add.isPending}>
          {add.isPending ? t('common.wait') : t('admin.providers.addButton')}
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        {add.isError && <ErrorMessage>{errorText(add.error)}</ErrorMessage>}
        {add.data && (
          <Notice>
            {t('admin.providers.added', {
              name: add.data.provider.name,
              balance: f.decimal(add.data.balance),
            })}{' '}
            <Link
              to="/admin/providers/$providerId"
              params={{ providerId: String(add.data.provider.id) }}
              className="text-indigo-700 underline"
            >
              {t('admin.providers.openIt')}
            </Link>
          </Notice>
        )}
      </div>
    </Card>
  );
}
