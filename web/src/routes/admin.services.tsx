/**
 * Admin area (admins only): the catalogue grouped by category in the order customers see it. Each
 * service shows its list rate beside the provider's rate, limits and state; categories and services
 * move one place up or down with big buttons; several services can be picked for a bulk change
 * (enable, disable, rate by a percent). Links to a new service, each service's form and the import.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AdminOnly, catalogueKey, useCatalogue } from '../admin-catalogue';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, inputClass, Loading, Notice, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/services')({
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <Services /> : <AdminOnly />)}</RequireStaff>
  ),
});

const linkButton =
  'inline-flex min-h-11 items-center justify-center rounded-md px-4 py-2 text-sm font-semibold';

function Services() {
  const { t } = useTranslation();
  const q = useCatalogue();
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const toggle = (id: number, on: boolean) =>
    setPicked((p) => {
      const next = new Set(p);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <div className="space-y-4 pb-4">
      <PageTitle>{t('admin.services.title')}</PageTitle>
      <div className="flex flex-wrap gap-2">
        <Link to="/admin/services/new" className={`${linkButton} bg-indigo-600 text-white`}>
          {t('admin.services.new')}
        </Link>
        <Link
          to="/admin/services/import"
          className={`${linkButton} border border-slate-300 bg-white text-slate-800`}
        >
          {t('admin.services.import')}
        </Link>
      </div>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          {q.data.categories.length === 0 ? (
            <Empty>{t('admin.services.none')}</Empty>
          ) : (
            q.data.categories.map((c, i) => (
              <CategoryCard
                key={`${c.id}-${c.name}`}
                category={c}
                currency={q.data.currency}
                first={i === 0}
                last={i === q.data.categories.length - 1}
                picked={picked}
                onPick={toggle}
              />
            ))
          )}
          <BulkBar picked={[...picked]} onDone={() => setPicked(new Set())} />
        </>
      )}
    </div>
  );
}

/** Move a category or a service; the list is read again after. */
function useMove() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (m: { kind: 'category' | 'service'; id: number; to: 'up' | 'down' }) =>
      unwrap(
        m.kind === 'category'
          ? adminApi.POST('/api/admin/services/categories/{id}/move', {
              params: { path: { id: m.id } },
              body: { to: m.to },
            })
          : adminApi.POST('/api/admin/services/{id}/move', {
              params: { path: { id: m.id } },
              body: { to: m.to },
            }),
      ),
    onSettled: () => qc.invalidateQueries({ queryKey: catalogueKey }),
  });
}

function UpDown(props: {
  name: string;
  kind: 'category' | 'service';
  id: number;
  first: boolean;
  last: boolean;
}) {
  const { t } = useTranslation();
  const move = useMove();
  return (
    <div className="flex shrink-0 gap-1">
      <Button
        variant="secondary"
        className="w-11 px-0"
        disabled={props.first || move.isPending}
        aria-label={t('admin.services.moveUp', { name: props.name })}
        onClick={() => move.mutate({ kind: props.kind, id: props.id, to: 'up' })}
      >
        ↑
      </Button>
      <Button
        variant="secondary"
        className="w-11 px-0"
        disabled={props.last || move.isPending}
        aria-label={t('admin.services.moveDown', { name: props.name })}
        onClick={() => move.mutate({ kind: props.kind, id: props.id, to: 'down' })}
      >
        ↓
      </Button>
      {move.isError && <span className="sr-only">{errorText(move.error)}</span>}
    </div>
  );
}

function CategoryCard(props: {
  category: AdminSchemas['AdminCategory'];
  currency: string;
  first: boolean;
  last: boolean;
  picked: Set<number>;
  onPick: (id: number, on: boolean) => void;
}) {
  const { t } = useTranslation();
  const c = props.category;
  const ids = c.services.map((s) => s.id);
  const all = ids.length > 0 && ids.every((id) => props.picked.has(id));
  const [renaming, setRenaming] = useState(false);
  return (
    <section aria-label={c.name} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex items-center justify-between gap-2 border-b border-slate-200 p-3">
        <label className="flex min-h-11 min-w-0 items-center gap-3">
          <input
            type="checkbox"
            className="size-5 shrink-0"
            checked={all}
            aria-label={t('admin.services.pickCategory', { name: c.name })}
            onChange={(e) => {
              for (const id of ids) props.onPick(id, e.target.checked);
            }}
          />
          <h2 className="truncate font-semibold">{c.name}</h2>
        </label>
        {c.id > 0 && (
          <div className="flex shrink-0 gap-1">
            <Button
              variant="secondary"
              className="w-11 px-0"
              aria-label={t('admin.services.renameCategory', { name: c.name })}
              aria-expanded={renaming}
              onClick={() => setRenaming((v) => !v)}
            >
              ✎
            </Button>
            <UpDown name={c.name} kind="category" id={c.id} first={props.first} last={props.last} />
          </div>
        )}
      </header>
      {renaming && <RenameForm id={c.id} name={c.name} onDone={() => setRenaming(false)} />}
      <ul className="divide-y divide-slate-200">
        {c.services.map((s, i) => (
          <ServiceRow
            key={s.id}
            service={s}
            currency={props.currency}
            first={i === 0}
            last={i === c.services.length - 1}
            picked={props.picked.has(s.id)}
            onPick={(on) => props.onPick(s.id, on)}
          />
        ))}
      </ul>
    </section>
  );
}

function RenameForm(props: { id: number; name: string; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [name, setName] = useState(props.name);
  const inputId = useId();
  const rename = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/services/categories/{id}/rename', {
          params: { path: { id: props.id } },
          body: { name },
        }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: catalogueKey });
      props.onDone();
    },
  });
  return (
    <form
      className="space-y-2 border-b border-slate-200 bg-slate-50 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        rename.mutate();
      }}
    >
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-700">
        {t('admin.services.newName')}
      </label>
      <div className="flex gap-2">
        <input
          id={inputId}
          className={inputClass}
          required
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            rename.reset();
          }}
        />
        <Button type="submit" disabled={rename.isPending}>
          {t('admin.services.rename')}
        </Button>
      </div>
      {rename.isError && <ErrorMessage>{errorText(rename.error)}</ErrorMessage>}
    </form>
  );
}

function ServiceRow(props: {
  service: AdminSchemas['AdminService'];
  currency: string;
  first: boolean;
  last: boolean;
  picked: boolean;
  onPick: (on: boolean) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const s = props.service;
  return (
    <li className="flex items-start gap-3 p-3">
      <label className="-m-2 flex min-h-11 min-w-11 shrink-0 items-start justify-center p-2">
        <input
          type="checkbox"
          className="mt-0.5 size-5"
          checked={props.picked}
          aria-label={t('admin.services.pick', { name: s.name })}
          onChange={(e) => props.onPick(e.target.checked)}
        />
      </label>
      <div className="min-w-0 flex-1 sm:grid sm:grid-cols-[minmax(0,2fr)_minmax(0,1.5fr)_minmax(0,1fr)] sm:gap-3">
        <div className="min-w-0">
          <Link
            to="/admin/services/$serviceId"
            params={{ serviceId: String(s.id) }}
            className="font-medium text-indigo-700 underline-offset-2 hover:underline"
          >
            {s.name}
          </Link>
          <p className="text-xs text-slate-500">
            #{s.id} · {s.type}
            {!s.enabled && (
              <span className="ml-2 rounded bg-red-50 px-1.5 font-medium text-red-800">
                {t('admin.services.disabled')}
              </span>
            )}
          </p>
        </div>
        <div className="mt-1 text-sm sm:mt-0">
          <p className="font-semibold">
            {f.money(s.rate, props.currency)}
            {s.rateSetByHand && s.providerId !== null && (
              <span className="ml-1 text-xs font-normal text-amber-700">{t('admin.services.byHand')}</span>
            )}
          </p>
          <p className="text-xs text-slate-500">
            {s.providerId === null
              ? t('admin.services.manual')
              : t('admin.services.providerRate', {
                  rate: s.providerRate === null ? '—' : f.decimal(s.providerRate),
                  provider: s.providerName ?? `#${s.providerId}`,
                })}
          </p>
        </div>
        <p className="text-xs text-slate-600 sm:text-sm">
          {t('admin.services.minMax', { min: f.count(s.min), max: f.count(s.max) })}
        </p>
      </div>
      <UpDown name={s.name} kind="service" id={s.id} first={props.first} last={props.last} />
    </li>
  );
}

function BulkBar({ picked, onDone }: { picked: number[]; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [percent, setPercent] = useState('');
  const percentId = useId();
  const bulk = useMutation({
    mutationFn: (action: 'enable' | 'disable' | 'rate') =>
      unwrap(
        adminApi.POST('/api/admin/services/bulk', {
          body: { ids: picked, action, ...(action === 'rate' ? { percent: percent.trim() } : {}) },
        }),
      ),
    onSuccess: async () => {
      setPercent('');
      onDone();
      await qc.invalidateQueries({ queryKey: catalogueKey });
    },
  });
  const none = picked.length === 0;
  // Out of the way until something is picked; then it stays at the bottom, under the thumb.
  if (none && !bulk.isSuccess && !bulk.isError)
    return <p className="text-sm text-slate-600">{t('admin.services.pickHint')}</p>;
  return (
    <div className="sticky bottom-0 z-10 -mx-4 border-t border-slate-200 bg-white p-4 shadow-[0_-4px_12px_rgba(0,0,0,0.08)] sm:mx-0 sm:rounded-lg sm:border">
      <div className="space-y-2">
        <div className="flex flex-wrap items-center gap-2">
          <p className="mr-auto text-sm font-medium" aria-live="polite">
            {t('admin.services.picked', { count: picked.length })}
          </p>
          <Button variant="secondary" disabled={none || bulk.isPending} onClick={() => bulk.mutate('enable')}>
            {t('admin.services.enable')}
          </Button>
          <Button
            variant="secondary"
            disabled={none || bulk.isPending}
            onClick={() => bulk.mutate('disable')}
          >
            {t('admin.services.disable')}
          </Button>
        </div>
        <form
          className="flex items-center justify-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            bulk.mutate('rate');
          }}
        >
          <label htmlFor={percentId} className="whitespace-nowrap text-sm font-medium text-slate-700">
            {t('admin.services.percent')}
          </label>
          <div className="w-24 shrink-0">
            <input
              id={percentId}
              className={inputClass}
              inputMode="decimal"
              placeholder="10"
              value={percent}
              onChange={(e) => {
                setPercent(e.target.value);
                bulk.reset();
              }}
            />
          </div>
          <Button
            type="submit"
            className="whitespace-nowrap"
            disabled={none || !percent.trim() || bulk.isPending}
          >
            {t('admin.services.changeRate')}
          </Button>
        </form>
        {bulk.isError && <ErrorMessage>{errorText(bulk.error)}</ErrorMessage>}
        {bulk.isSuccess && (
          <Notice>{t('admin.services.bulkDone', { count: bulk.data.changed.length })}</Notice>
        )}
      </div>
    </div>
  );
}
