/**
 * A page of the admin area: for signed-in staff (support or admin) only, with the area's tabs. A
 * customer who opens one is told it is for staff (the server refuses them anyway).
 */
import { Link, type LinkProps } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { UnreadTicketsBadge } from '../admin-ops';
import { PendingPaymentsBadge } from '../admin-payments';
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
        ) : me.twoFactorSetupNeeded ? (
          <div className="mx-auto max-w-md space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4">
            <p className="font-semibold">{t('admin.staff.setUpFirst')}</p>
            <p className="text-sm">{t('admin.staff.setUpFirstHelp')}</p>
            <Link
              to="/account"
              className="inline-block min-h-11 py-3 font-semibold text-indigo-700 underline"
            >
              {t('admin.staff.toAccount')}
            </Link>
          </div>
        ) : (
          <div>
            <nav
              aria-label={t('admin.navLabel')}
              className="-mx-4 mb-3 flex gap-1 overflow-x-auto border-b border-slate-200 px-4 whitespace-nowrap"
            >
              {ADMIN_TABS.filter((tab) => me.role === 'admin' || !tab.adminOnly).map((tab) => (
                <AdminTab key={tab.to} to={tab.to} label={t(tab.label)} badge={tab.badge} />
              ))}
            </nav>
            {children(me)}
          </div>
        )
      }
    </RequireUser>
  );
}

/**
 * The admin area's tabs, in the order shown: one line per page. `adminOnly` tabs are hidden from
 * support (the server refuses them anyway); `badge` is a small count drawn beside the label.
 */
const ADMIN_TABS: { to: AdminPath; label: string; adminOnly?: boolean; badge?: () => ReactNode }[] = [
  { to: '/admin/dashboard', label: 'admin.dashboard.tab', adminOnly: true },
  { to: '/admin/orders', label: 'admin.orders.tab' },
  { to: '/admin/users', label: 'admin.users.tab' },
  { to: '/admin/tickets', label: 'admin.tickets.tab', badge: UnreadTicketsBadge },
  { to: '/admin/payments', label: 'admin.payments.tab', badge: PendingPaymentsBadge },
  { to: '/admin/services', label: 'admin.services.tab', adminOnly: true },
  { to: '/admin/providers', label: 'admin.providers.tab', adminOnly: true },
  { to: '/admin/alerts', label: 'admin.alerts.tab', adminOnly: true },
  { to: '/admin/audit', label: 'admin.audit.tab', adminOnly: true },
  { to: '/admin/settings', label: 'admin.settings.tab', adminOnly: true },
];

type AdminPath = Extract<LinkProps['to'], `/admin/${string}`>;

function AdminTab({
  to,
  label,
  badge: Badge,
}: {
  to: AdminPath;
  label: string;
  badge?: (() => ReactNode) | undefined;
}) {
  return (
    <Link
      to={to}
      className="relative inline-block min-h-11 px-3 py-3 text-sm font-medium text-slate-600"
      activeProps={{ className: 'border-b-2 border-indigo-600 text-indigo-700', 'aria-current': 'page' }}
    >
      {label}
      {Badge && <Badge />}
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
