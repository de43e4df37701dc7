/** Admin area: find a user by name or e-mail; each row shows balance, role and state. */
import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
import { NewAccount } from '../components/AdminStaff';
import { KeysetPager, useKeysetPages } from '../components/Pager';
import { RequireStaff, StateBadge } from '../components/RequireStaff';
import { Button, Empty, ErrorMessage, Field, inputClass, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/users')({
  validateSearch: (s: Record<string, unknown>): { q?: string } =>
    typeof s.q === 'string' && s.q !== '' ? { q: s.q } : {},
  component: () => <RequireStaff>{(me) => <Users canCreate={me.role === 'admin'} />}</RequireStaff>,
});

function Users({ canCreate }: { canCreate: boolean }) {
  const { t } = useTranslation();
  const { q } = Route.useSearch();
  const navigate = useNavigate();
  const [text, setText] = useState(q ?? '');

  return (
    <div>
      <PageTitle>{t('admin.users.title')}</PageTitle>
      {canCreate && <NewAccount />}
      <search>
        <form
          className="mb-4 flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void navigate({ to: '/admin/users', search: text.trim() ? { q: text.trim() } : {} });
          }}
        >
          <div className="min-w-0 flex-1">
            <Field label={t('admin.users.search')}>
              {(id) => (
                <input
                  id={id}
                  type="search"
                  className={inputClass}
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  placeholder={t('admin.users.searchHint')}
                  autoComplete="off"
                />
              )}
            </Field>
          </div>
          <Button type="submit">{t('admin.users.find')}</Button>
        </form>
      </search>
      {/* A new search starts again at the first page. */}
      <UserResults key={q ?? ''} q={q} />
    </div>
  );
}

function UserResults({ q }: { q: string | undefined }) {
  const { t } = useTranslation();
  const f = useFormat();
  const pages = useKeysetPages();
  const before = pages.before;
  const list = useQuery({
    queryKey: ['admin', 'users', q ?? '', before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/users', {
          params: { query: { ...(q ? { q } : {}), ...(before ? { before } : {}), limit: 50 } },
        }),
      ),
  });

  return (
    <>
      {list.isPending && <Loading label={t('common.loading')} />}
      {list.isError && <ErrorMessage>{errorText(list.error)}</ErrorMessage>}
      {list.data &&
        (list.data.users.length === 0 ? (
          <Empty>{t('admin.users.none')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {list.data.users.map((u) => (
              <li key={u.id}>
                <Link
                  to="/admin/users/$userId"
                  params={{ userId: String(u.id) }}
                  className="flex items-center justify-between gap-3 p-3 hover:bg-slate-50"
                >
                  <div className="min-w-0">
                    <p className="truncate font-medium text-indigo-700">{u.username}</p>
                    <p className="truncate text-xs text-slate-500">
                      {[u.email, u.role !== 'customer' ? t(`admin.role.${u.role}`) : null]
                        .filter(Boolean)
                        .join(' · ') || t('admin.users.noEmail')}
                    </p>
                  </div>
                  <div className="shrink-0 text-right">
                    <p className="font-semibold">{f.decimal(u.balance)}</p>
                    <StateBadge state={u.state} />
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        ))}
      {list.data && <KeysetPager pages={pages} nextBefore={list.data.nextBefore} />}
    </>
  );
}
