/**
 * Admin area: the ticket inbox (support and admins). Open tickets first (waiting for staff), then
 * answered and closed ones, each the most recently updated first; a ticket with customer messages no
 * staff member has read shows how many, and the heading how many tickets are unread.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { StaffTicketState } from '../admin-ops';
import { errorText, unwrap } from '../api';
import { MoreButton } from '../components/Pager';
import { RequireStaff } from '../components/RequireStaff';
import { Empty, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { useFormat } from '../use-format';

const STATES = ['open', 'answered', 'closed'] as const;
type State = (typeof STATES)[number];

export const Route = createFileRoute('/admin/tickets')({
  validateSearch: (s: Record<string, unknown>): { state?: State } =>
    STATES.includes(s.state as State) ? { state: s.state as State } : {},
  component: () => <RequireStaff>{() => <Inbox />}</RequireStaff>,
});

function Inbox() {
  const { t } = useTranslation();
  const f = useFormat();
  const { state } = Route.useSearch();
  const q = useInfiniteQuery({
    queryKey: ['admin', 'tickets', state ?? 'all'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        adminApi.GET('/api/admin/tickets', {
          params: {
            query: { limit: 30, ...(state ? { state } : {}), ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    refetchInterval: 60_000,
  });
  const tickets = q.data?.pages.flatMap((p) => p.tickets) ?? [];
  const unread = q.data?.pages[0]?.unreadTickets;
  return (
    <div>
      <div className="flex items-baseline justify-between gap-3">
        <PageTitle>{t('admin.tickets.title')}</PageTitle>
        {unread !== undefined && (
          <span
            className={`rounded-full px-2.5 py-0.5 text-sm font-semibold ${
              unread > 0 ? 'bg-indigo-600 text-white' : 'bg-slate-100 text-slate-600'
            }`}
          >
            {unread > 0 ? t('admin.tickets.unread', { count: unread }) : t('admin.tickets.allRead')}
          </span>
        )}
      </div>
      <nav aria-label={t('admin.tickets.filter')} className="-mx-4 mb-3 flex gap-2 overflow-x-auto px-4">
        {([undefined, ...STATES] as const).map((s) => (
          <Link
            key={s ?? 'all'}
            to="/admin/tickets"
            search={s ? { state: s } : {}}
            aria-current={s === state ? 'page' : undefined}
            className={`inline-flex min-h-11 shrink-0 items-center rounded-full border px-4 text-sm font-medium ${
              s === state
                ? 'border-indigo-600 bg-indigo-600 text-white'
                : 'border-slate-300 bg-white text-slate-700'
            }`}
          >
            {s ? t(`admin.tickets.states.${s}`) : t('admin.tickets.all')}
          </Link>
        ))}
      </nav>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data &&
        (tickets.length === 0 ? (
          <Empty>{t('admin.tickets.none')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {tickets.map((tk) => (
              <li key={tk.id}>
                <Link
                  to="/admin/tickets/$ticketId"
                  params={{ ticketId: String(tk.id) }}
                  className="flex items-center justify-between gap-3 p-3 hover:bg-slate-50"
                >
                  <div className="min-w-0">
                    <p className={`truncate text-indigo-700 ${tk.unread > 0 ? 'font-bold' : 'font-medium'}`}>
                      {t('tickets.number', { id: tk.id })} · {t(`tickets.subjects.${tk.subject}`)}
                    </p>
                    <p className="truncate text-xs text-slate-500">
                      {t('admin.tickets.from', { user: tk.user })}
                    </p>
                    <p className="text-xs text-slate-500">
                      <time dateTime={tk.updatedAt}>{f.dateTime(tk.updatedAt)}</time>
                    </p>
                  </div>
                  <div className="flex shrink-0 flex-col items-end gap-1">
                    <StaffTicketState state={tk.state} />
                    {tk.unread > 0 && (
                      <span className="rounded-full bg-indigo-600 px-2 text-xs font-semibold text-white">
                        {t('admin.tickets.newMessages', { count: tk.unread })}
                      </span>
                    )}
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        ))}
      {q.hasNextPage && (
        <MoreButton
          label={t('tickets.more')}
          loading={q.isFetchingNextPage}
          onMore={() => void q.fetchNextPage()}
        />
      )}
    </div>
  );
}
