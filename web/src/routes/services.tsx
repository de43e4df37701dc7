import { createFileRoute, Link, Navigate } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api';
import { Card, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useServices } from '../services';
import { useMe, usePanel } from '../session';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/services')({ component: ServicesGate });

/**
 * Signed-in customers see their own rates; visitors see the list prices when the operator made the
 * services public (`settings set --public-services on`), else they are sent to sign in.
 */
function ServicesGate() {
  const { t } = useTranslation();
  const me = useMe();
  const panel = usePanel();
  if (me.isPending || (!me.data && panel.isPending)) return <Loading label={t('common.loading')} />;
  if (me.isError) return <ErrorMessage>{errorText(me.error)}</ErrorMessage>;
  if (me.data) return <Services signedIn />;
  if (panel.data?.publicServices) return <Services signedIn={false} />;
  return <Navigate to="/sign-in" />;
}

function Services({ signedIn }: { signedIn: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useServices();
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const categories = useMemo(() => [...new Set((q.data?.services ?? []).map((s) => s.category))], [q.data]);
  const shown = (q.data?.services ?? []).filter((s) => {
    const text = `${s.id} ${s.name} ${s.category}`.toLowerCase();
    return (!category || s.category === category) && text.includes(search.trim().toLowerCase());
  });

  return (
    <div>
      <PageTitle>{t('services.title')}</PageTitle>
      <div className="mb-4 grid gap-3 sm:grid-cols-2">
        <Field label={t('services.search')}>
          {(id) => (
            <input
              id={id}
              type="search"
              className={inputClass}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('services.category')}>
          {(id) => (
            <select
              id={id}
              className={inputClass}
              value={category}
              onChange={(e) => setCategory(e.target.value)}
            >
              <option value="">{t('services.allCategories')}</option>
              {categories.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && shown.length === 0 && <Empty>{t('services.empty')}</Empty>}
      <ul className="grid gap-3 lg:grid-cols-2">
        {shown.map((s) => (
          <li key={s.id}>
            <Card>
              <div className="flex items-start justify-between gap-3">
                <div>
                  <p className="text-xs text-slate-500">
                    #{s.id} · {s.category}
                  </p>
                  <h2 className="font-semibold">{s.name}</h2>
                </div>
                <p className="text-right">
                  <span className="block font-bold">{f.money(s.rate, q.data?.currency ?? '')}</span>
                  <span className="text-xs text-slate-500">{t('services.per1000')}</span>
                </p>
              </div>
              <p className="mt-2 text-sm text-slate-600">
                {t('services.minMax', { min: f.count(s.min), max: f.count(s.max) })}
              </p>
              <ul className="mt-2 flex flex-wrap gap-1" aria-label={t('services.flags')}>
                {s.refill && <Flag>{t('flags.refill')}</Flag>}
                {s.cancel && <Flag>{t('flags.cancel')}</Flag>}
                {s.dripfeed && <Flag>{t('flags.dripfeed')}</Flag>}
              </ul>
              {s.description && (
                <p className="mt-2 whitespace-pre-line text-sm text-slate-700">{s.description}</p>
              )}
              <Link
                to={signedIn ? '/new' : '/sign-in'}
                search={{ service: s.id }}
                className="mt-3 inline-flex min-h-11 items-center rounded-md bg-indigo-600 px-4 text-sm font-semibold text-white"
                aria-label={t(signedIn ? 'services.orderThis' : 'auth.signInToOrderThis', { name: s.name })}
              >
                {t(signedIn ? 'services.order' : 'auth.signInToOrder')}
              </Link>
            </Card>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Flag({ children }: { children: React.ReactNode }) {
  return (
    <li className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
      {children}
    </li>
  );
}
