/**
 * A page of the admin area: for signed-in staff (support or admin) only, with the area's tabs. A
 * customer who opens one is told it is for staff (the server refuses them anyway).
 */
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api';
import { RequireUser } from './RequireUser';
import { Empty } from './ui';

export function RequireStaff({ children }: { children: (me: Schemas['Me']) => ReactNode }) {
  const { t } = useTranslation();
  return (
    <RequireUser>
      {(me) =>
        me.role === 'customer' ? (
          <Empty>{t('admin.staffOnly')}</Empty>
        ) : (
          <div>
            <nav aria-label={t('admin.navLabel')} className="mb-3 flex gap-1 border-b border-slate-200">
              <AdminTab to="/admin/users" label={t('admin.users.tab')} />
              {me.role === 'admin' && <AdminTab to="/admin/audit" label={t('admin.audit.tab')} />}
              {me.role === 'admin' && <AdminTab to="/admin/settings" label={t('admin.settings.tab')} />}
            </nav>
            {children(me)}
          </div>
        )
      }
    </RequireUser>
  );
}

function AdminTab({ to, label }: { to: '/admin/users' | '/admin/audit' | '/admin/settings'; label: string }) {
  return (
    <Link
      to={to}
      className="inline-block min-h-11 px-3 py-3 text-sm font-medium text-slate-600"
      activeProps={{ className: 'border-b-2 border-indigo-600 text-indigo-700', 'aria-current': 'page' }}
    >
      {label}
    </Link>
  );
}

/** A user's state, in words and colour. */
export function StateBadge({ state }: { state: 'active' | 'disabled' }) {
  const { t } = useTranslation();
  return (
    <span
      className={`inline-block rounded px-1.5 text-xs font-medium ${
        state === 'active' ? 'bg-emerald-50 text-emerald-800' : 'bg-red-50 text-red-800'
      }`}
    >
      {t(`admin.state.${state}`)}
    </span>
  );
}
