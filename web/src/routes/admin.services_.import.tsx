/**
 * Admin area (admins only): import a provider's services with a markup. Preview first: what will be
 * added, changed (old -> new), disabled (gone upstream), which hand-set rates are kept and what is
 * skipped. Apply (after a confirm) runs the import with the same choices; it asks the provider again,
 * so its report, shown after, is what happened.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AdminOnly, catalogueKey, useCatalogue } from '../admin-catalogue';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import {
  Button,
  Card,
  ConfirmButton,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  Notice,
  PageTitle,
  TextField,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/services_/import')({
  component: () => <RequireStaff>{(me) => (me.role === 'admin' ? <Import /> : <AdminOnly />)}</RequireStaff>,
});

type Plan = AdminSchemas['AdminImportPlan'];
type Request = AdminSchemas['AdminImportRequest'];

function Import() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const providers = useQuery({
    queryKey: ['admin', 'services', 'import', 'providers'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/services/import/providers')),
  });
  // Our rates are shown with the panel's currency (the provider's rates are in the provider's own).
  const currency = useCatalogue().data?.currency ?? '';
  const [providerId, setProviderId] = useState('');
  const [markup, setMarkup] = useState('');
  const [category, setCategory] = useState('');
  const [ids, setIds] = useState('');
  const [overwriteRates, setOverwriteRates] = useState(false);
  /** The request the shown preview was made with: Apply sends exactly it. */
  const [previewed, setPreviewed] = useState<Request | null>(null);

  const request = (): Request => ({
    providerId: Number(providerId || providers.data?.providers[0]?.id || 0),
    markup: markup.trim() || '0',
    ...(category.trim() ? { category: category.trim() } : {}),
    ...(ids.trim()
      ? {
          ids: ids
            .split(/[\s,]+/)
            .map((x) => x.trim())
            .filter(Boolean),
        }
      : {}),
    overwriteRates,
  });
  const preview = useMutation({
    mutationFn: (body: Request) => unwrap(adminApi.POST('/api/admin/services/import/preview', { body })),
    onSuccess: (_plan, body) => setPreviewed(body),
  });
  const apply = useMutation({
    mutationFn: (body: Request) => unwrap(adminApi.POST('/api/admin/services/import', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: catalogueKey }),
  });
  const edited = () => {
    preview.reset();
    apply.reset();
    setPreviewed(null);
  };

  if (providers.isPending) return <Loading label={t('common.loading')} />;
  if (providers.isError) return <ErrorMessage>{errorText(providers.error)}</ErrorMessage>;
  const list = providers.data.providers;

  return (
    <div className="space-y-4">
      <PageTitle>{t('admin.services.importTitle')}</PageTitle>
      {list.length === 0 ? (
        <Empty>{t('admin.services.noProviders')}</Empty>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            apply.reset();
            preview.mutate(request());
          }}
        >
          <Card className="space-y-3 sm:max-w-lg">
            <Field label={t('admin.services.provider')}>
              {(id) => (
                <select
                  id={id}
                  className={inputClass}
                  value={providerId || String(list[0]?.id ?? '')}
                  onChange={(e) => {
                    setProviderId(e.target.value);
                    edited();
                  }}
                >
                  {list.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                      {p.state !== 'active' ? ` (${t(`admin.services.providerState.${p.state}`)})` : ''}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <TextField
              label={t('admin.services.markup')}
              hint={t('admin.services.markupHint')}
              inputMode="decimal"
              autoComplete="off"
              placeholder="25"
              value={markup}
              onChange={(v) => {
                setMarkup(v);
                edited();
              }}
            />
            <TextField
              label={t('admin.services.importCategory')}
              hint={t('admin.services.importCategoryHint')}
              maxLength={200}
              value={category}
              onChange={(v) => {
                setCategory(v);
                edited();
              }}
            />
            <TextField
              label={t('admin.services.ids')}
              hint={t('admin.services.idsHint')}
              autoComplete="off"
              placeholder="1, 2, 3"
              value={ids}
              onChange={(v) => {
                setIds(v);
                edited();
              }}
            />
            <label className="flex min-h-11 items-start gap-3 text-sm">
              <input
                type="checkbox"
                className="mt-0.5 size-5 shrink-0"
                checked={overwriteRates}
                onChange={(e) => {
                  setOverwriteRates(e.target.checked);
                  edited();
                }}
              />
              <span>
                <span className="block font-medium text-slate-800">{t('admin.services.overwrite')}</span>
                <span className="block text-xs text-slate-500">{t('admin.services.overwriteHint')}</span>
              </span>
            </label>
            <Button type="submit" disabled={preview.isPending} className="w-full sm:w-auto">
              {t('admin.services.preview')}
            </Button>
          </Card>
        </form>
      )}
      {preview.isPending && <Loading label={t('admin.services.asking')} />}
      {preview.isError && <ErrorMessage>{errorText(preview.error)}</ErrorMessage>}
      {preview.data && previewed && !apply.data && (
        <section aria-label={t('admin.services.previewTitle')} className="space-y-3">
          <h2 className="text-lg font-semibold">{t('admin.services.previewTitle')}</h2>
          <PlanView plan={preview.data} currency={currency} />
          <Card className="space-y-2 sm:max-w-lg">
            <p className="text-sm text-slate-600">{t('admin.services.applyHint')}</p>
            <ConfirmButton
              variant="secondary"
              label={t('admin.services.apply')}
              question={t('admin.services.applyQuestion')}
              confirmLabel={t('admin.services.applyYes')}
              disabled={apply.isPending}
              onConfirm={() => apply.mutate(previewed)}
            />
            {apply.isError && <ErrorMessage>{errorText(apply.error)}</ErrorMessage>}
          </Card>
        </section>
      )}
      {apply.data && (
        <section aria-label={t('admin.services.reportTitle')} className="space-y-3">
          <h2 className="text-lg font-semibold">{t('admin.services.reportTitle')}</h2>
          <Notice>
            {t('admin.services.reportSummary', {
              created: apply.data.created.length,
              updated: apply.data.updated.length,
              disabled: apply.data.disabled.length,
            })}
          </Notice>
          <PlanView plan={apply.data.applied} createdIds={apply.data.created} currency={currency} />
          <Link to="/admin/services" className="inline-flex min-h-11 items-center text-indigo-700 underline">
            {t('admin.services.toCatalogue')}
          </Link>
        </section>
      )}
    </div>
  );
}

function PlanView({ plan, createdIds, currency }: { plan: Plan; createdIds?: number[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const arrow = (c: { from: string | null; to: string | null } | undefined, label: string) =>
    c
      ? `${label} ${c.from === null ? '—' : f.decimal(c.from)} → ${c.to === null ? '—' : f.decimal(c.to)}`
      : null;
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <Group title={t('admin.services.added')} count={plan.added.length}>
        {plan.added.map((a, i) => (
          <li key={a.upstreamId} className="py-2">
            <p className="font-medium">
              {createdIds?.[i] !== undefined ? `#${createdIds[i]} ` : ''}
              {a.name}
            </p>
            <p className="text-xs text-slate-600">
              {t('admin.services.addedLine', {
                upstream: a.upstreamId,
                category: a.category,
                rate: f.money(a.rate, currency),
                providerRate: f.decimal(a.providerRate),
                min: f.count(a.min),
                max: f.count(a.max),
              })}
            </p>
          </li>
        ))}
      </Group>
      <Group title={t('admin.services.changed')} count={plan.changed.length}>
        {plan.changed.map((c) => (
          <li key={c.id} className="py-2">
            <p className="font-medium">
              #{c.id} {c.name}
            </p>
            <p className="text-xs text-slate-600">
              {[
                c.rate
                  ? `${t('admin.services.rateWord')} ${f.money(c.rate.from, currency)} → ${f.money(c.rate.to, currency)}`
                  : null,
                arrow(c.providerRate, t('admin.services.providerRateWord')),
                arrow(c.min, t('admin.services.min')),
                arrow(c.max, t('admin.services.max')),
                c.type ? `${t('admin.services.type')} ${c.type.from} → ${c.type.to}` : null,
                c.flags
                  ? `${t('admin.services.options')} ${c.flags.from.join(', ') || '—'} → ${c.flags.to.join(', ') || '—'}`
                  : null,
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </li>
        ))}
      </Group>
      <Group title={t('admin.services.disabledGroup')} count={plan.disabled.length}>
        {plan.disabled.map((d) => (
          <li key={d.id} className="py-2">
            <p className="font-medium">
              #{d.id} {d.name}
            </p>
            <p className="text-xs text-slate-600">
              {t('admin.services.goneUpstream', { upstream: d.upstreamId })}
            </p>
          </li>
        ))}
      </Group>
      <Group title={t('admin.services.kept')} count={plan.keptRates.length}>
        {plan.keptRates.map((k) => (
          <li key={k.id} className="py-2">
            <p className="font-medium">
              #{k.id} {k.name}
            </p>
            <p className="text-xs text-slate-600">
              {t('admin.services.keptLine', {
                rate: f.money(k.rate, currency),
                importRate: f.money(k.importRate, currency),
              })}
            </p>
          </li>
        ))}
      </Group>
      {plan.skipped.length > 0 && (
        <Group title={t('admin.services.skipped')} count={plan.skipped.length}>
          {plan.skipped.map((s) => (
            <li key={`${s.service}-${s.reason}`} className="py-2 text-sm">
              {s.service}: {s.reason}
            </li>
          ))}
        </Group>
      )}
      <p className="text-sm text-slate-600 lg:col-span-2">
        {t('admin.services.unchanged', { count: plan.unchanged.length })}
      </p>
    </div>
  );
}

function Group({ title, count, children }: { title: string; count: number; children: ReactNode }) {
  return (
    <Card>
      <h3 className="font-semibold">
        {title} <span className="text-slate-500">({count})</span>
      </h3>
      {count > 0 && <ul className="divide-y divide-slate-100">{children}</ul>}
    </Card>
  );
}
