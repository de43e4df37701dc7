import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { MoreButton } from '../components/Pager';
import { RequireUser } from '../components/RequireUser';
import { Button, Card, Empty, ErrorMessage, Field, inputClass, Loading } from '../components/ui';
import { TicketState } from '../tickets';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/tickets')({
  component: () => <RequireUser>{() => <Tickets />}</RequireUser>,
});

type Subject = Schemas['OpenTicket']['subject'];
const SUBJECTS: Subject[] = ['order', 'payment', 'other'];

/** "12, #34 56" -> [12, 34, 56]; null when something else is typed. */
function parseOrderIds(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map((p) => (/^#?\d{1,15}$/.test(p) ? Number(p.replace('#', '')) : Number.NaN));
  return ids.some((n) => !Number.isSafeInteger(n) || n < 1) ? null : ids;
}

function Tickets() {
  const { t } = useTranslation();
  const f = useFormat();
  // Keyset pages, most recently updated first; "More" appends the next older page.
  const q = useInfiniteQuery({
    queryKey: ['tickets', 'list'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/web/tickets', {
          params: { query: { limit: 20, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const tickets = q.data?.pages.flatMap((p) => p.tickets) ?? [];
  const [writing, setWriting] = useState(false);

  return (
    <div className="mx-auto max-w-2xl">
      <div className="mb-4 flex items-center justify-between gap-3">
        <h1 className="text-xl font-bold sm:text-2xl">{t('tickets.title')}</h1>
        {!writing && <Button onClick={() => setWriting(true)}>{t('tickets.new')}</Button>}
      </div>
      {writing && <NewTicket onCancel={() => setWriting(false)} />}
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data &&
        (tickets.length === 0 ? (
          !writing && <Empty>{t('tickets.empty')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {tickets.map((tk) => (
              <li key={tk.id}>
                <Link
                  to="/tickets/$ticketId"
                  params={{ ticketId: String(tk.id) }}
                  className="flex min-h-11 items-center justify-between gap-3 p-3 hover:bg-slate-50"
                >
                  <div className="min-w-0">
                    <p className="font-medium">
                      {t('tickets.number', { id: tk.id })} · {t(`tickets.subjects.${tk.subject}`)}
                    </p>
                    <p className="text-xs text-slate-500">
                      {t('tickets.updated')} <time dateTime={tk.updatedAt}>{f.dateTime(tk.updatedAt)}</time>
                      {tk.orderIds.length > 0 &&
                        ` · ${t('tickets.aboutOrders', { ids: tk.orderIds.map((id) => `#${id}`).join(', ') })}`}
                    </p>
                  </div>
                  <TicketState state={tk.state} />
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

function NewTicket({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [subject, setSubject] = useState<Subject>('order');
  const [orders, setOrders] = useState('');
  const [message, setMessage] = useState('');
  const [badOrders, setBadOrders] = useState(false);
  const open = useMutation({
    mutationFn: (body: Schemas['OpenTicket']) => unwrap(api.POST('/api/web/tickets', { body })),
    onSuccess: async (r) => {
      await qc.invalidateQueries({ queryKey: ['tickets'] });
      await navigate({ to: '/tickets/$ticketId', params: { ticketId: String(r.ticket) } });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const orderIds = parseOrderIds(orders);
    setBadOrders(orderIds === null);
    if (orderIds === null || open.isPending) return;
    open.mutate({ subject, message, ...(orderIds.length > 0 ? { orderIds } : {}) });
  }

  return (
    <Card className="mb-4">
      <form onSubmit={submit} className="space-y-3" aria-label={t('tickets.new')}>
        <h2 className="font-semibold">{t('tickets.new')}</h2>
        <Field label={t('tickets.subject')}>
          {(id) => (
            <select
              id={id}
              className={inputClass}
              value={subject}
              onChange={(e) => setSubject(e.target.value as Subject)}
            >
              {SUBJECTS.map((s) => (
                <option key={s} value={s}>
                  {t(`tickets.subjects.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={`${t('tickets.orders')} ${t('fields.optional')}`} hint={t('tickets.ordersHint')}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              aria-invalid={badOrders || undefined}
              inputMode="numeric"
              className={inputClass}
              value={orders}
              onChange={(e) => {
                setOrders(e.target.value);
                setBadOrders(false);
              }}
            />
          )}
        </Field>
        {badOrders && <ErrorMessage>{t('tickets.badOrders')}</ErrorMessage>}
        <Field label={t('tickets.message')} hint={t('tickets.messageHint')}>
          {(id, hint) => (
            <textarea
              id={id}
              aria-describedby={hint}
              required
              rows={5}
              maxLength={5000}
              className={inputClass}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          )}
        </Field>
        {open.isError && <ErrorMessage>{errorText(open.error)}</ErrorMessage>}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={open.isPending}>
            {open.isPending ? t('common.wait') : t('tickets.send')}
          </Button>
          <Button variant="secondary" onClick={onCancel}>
            {t('tickets.cancelNew')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
