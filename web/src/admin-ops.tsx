/**
 * What the admin Providers, Alerts and Tickets pages share: the provider and ticket state badges,
 * "admins only", and the Tickets tab's count of unread tickets.
 */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from './admin-api';
import { unwrap } from './api';
import { Empty } from './components/ui';

/** Shown to support on an admins-only page (the server refuses them anyway). */
export function AdminOnly({ what }: { what: 'providers' | 'alerts' }) {
  const { t } = useTranslation();
  return <Empty>{t(`admin.${what}.adminOnly`)}</Empty>;
}

const LOOK: Record<AdminSchemas['AdminProvider']['state'], string> = {
  active: 'bg-emerald-50 text-emerald-800',
  held: 'bg-red-50 text-red-800',
  disabled: 'bg-amber-50 text-amber-900',
};

export function ProviderStateBadge({ state }: { state: AdminSchemas['AdminProvider']['state'] }) {
  const { t } = useTranslation();
  return (
    <span className={`inline-block shrink-0 rounded px-2 py-0.5 text-xs font-semibold ${LOOK[state]}`}>
      {t(`admin.providers.state.${state}`)}
    </span>
  );
}

const TICKET_LOOK: Record<AdminSchemas['AdminInboxTicket']['state'], string> = {
  open: 'bg-amber-100 text-amber-900',
  answered: 'bg-emerald-100 text-emerald-900',
  closed: 'bg-slate-100 text-slate-700',
};

/** A ticket's state in staff words (open: waiting for us to answer). */
export function StaffTicketState({ state }: { state: AdminSchemas['AdminInboxTicket']['state'] }) {
  const { t } = useTranslation();
  return (
    <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ${TICKET_LOOK[state]}`}>
      {t(`admin.tickets.states.${state}`)}
    </span>
  );
}

/**
 * The Tickets tab's badge: how many tickets hold customer messages no staff member has read (nothing
 * when none). Refreshed every minute and whenever the inbox is (['admin', 'tickets', ...]).
 */
export function UnreadTicketsBadge() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['admin', 'tickets', 'unread'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/tickets', { params: { query: { limit: 1 } } })),
    refetchInterval: 60_000,
    select: (d) => d.unreadTickets,
  });
  if (!q.data) return null;
  return (
    <span className="ml-1.5 rounded-full bg-indigo-600 px-1.5 py-0.5 text-xs font-semibold text-white">
      <span aria-hidden="true">{q.data}</span>
      <span className="sr-only">{t('admin.tickets.unread', { count: q.data })}</span>
    </span>
  );
}
