/**
 * Admin area: the audit log, newest first: who changed what and when, through the web or the CLI,
 * with the facts before and after. Filters: staff member, action (or its start), subject.
 */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

interface AuditSearch {
  actor?: string;
  action?: string;
  subject?: string;
}
const FILTERS = ['actor', 'action', 'subject'] as const;

export const Route = createFileRoute('/admin/audit')({
  validateSearch: (s: Record<string, unknown>): AuditSearch => {
    const out: AuditSearch = {};
    for (const k of FILTERS) if (typeof s[k] === 'string' && s[k] !== '') out[k] = s[k];
    return out;
  },
  component: () => <RequireStaff>{() => <Audit />}</RequireStaff>,
});

/** A change's facts as short `key: value` text (JSON for anything nested). */
function facts(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'object') return String(v);
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`)
    .join(', ');
}

function Audit() {
  const { t } = useTranslation();
  const search = Route.useSearch();
  const navigate = useNavigate();
  const [form, setForm] = useState<AuditSearch>(search);

  return (
    <div>
      <PageTitle>{t('admin.audit.title')}</PageTitle>
      <search aria-label={t('admin.audit.filters')}>
        <form
          className="mb-4 grid gap-3 sm:grid-cols-4 sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            const next: AuditSearch = {};
            for (const k of FILTERS) {
              const v = form[k]?.trim();
              if (v) next[k] = v;
            }
            void navigate({ to: '/admin/audit', search: next });
          }}
        >
          {FILTERS.map((k) => (
            <Field key={k} label={t(`admin.audit.${k}`)}>
              {(id) => (
                <input
                  id={id}
                  className={inputClass}
                  autoComplete="off"
                  placeholder={t(`admin.audit.${k}Hint`)}
                  value={form[k] ?? ''}
                  onChange={(e) => setForm({ ...form, [k]: e.target.value })}
                />
              )}
            </Field>
          ))}
          <Button type="submit">{t('admin.audit.apply')}</Button>
        </form>
      </search>
      {/* New filters start again at the first page. */}
      <AuditEntries key={JSON.stringify(search)} search={search} />
    </div>
  );
}

function AuditEntries({ search }: { search: AuditSearch }) {
  const { t } = useTranslation();
  const f = useFormat();
  const pages = useKeysetPages();
  const before = pages.before;
  const list = useQuery({
    queryKey: ['admin', 'audit', search, before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/audit', {
          params: { query: { ...search, ...(before ? { before } : {}), limit: 50 } },
        }),
      ),
  });

  return (
    <>
      {list.isPending && <Loading label={t('common.loading')} />}
      {list.isError && <ErrorMessage>{errorText(list.error)}</ErrorMessage>}
      {list.data &&
        (list.data.entries.length === 0 ? (
          <Empty>{t('admin.audit.none')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {list.data.entries.map((e) => (
              <li key={e.id} className="space-y-1 p-3 text-sm">
                <p className="flex flex-wrap items-baseline justify-between gap-x-3">
                  <span className="font-medium">
                    {e.action} · {e.subject}
                  </span>
                  <time dateTime={e.at} className="text-xs text-slate-500">
                    {f.dateTime(e.at)}
                  </time>
                </p>
                <p className="text-xs text-slate-600">
                  {t('admin.audit.by', { actor: e.actor, via: t(`admin.audit.via.${e.via}`) })}
                </p>
                <p className="break-words font-mono text-xs">
                  <span className="text-slate-500">{facts(e.before)}</span>
                  {' → '}
                  <span>{facts(e.after)}</span>
                </p>
                {e.note && (
                  <p className="break-words text-xs text-slate-600">
                    {t('admin.audit.note', { note: e.note })}
                  </p>
                )}
              </li>
            ))}
          </ul>
        ))}
      {list.data && <KeysetPager pages={pages} nextBefore={list.data.nextBefore} />}
    </>
  );
}
