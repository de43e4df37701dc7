/**
 * Admin area: one ticket (support and admins). The customer (a link to their page), the orders named
 * (links to the admin order pages), the whole thread with who wrote each staff reply, a reply form
 * and Close. Opening the page marks the thread read for all staff.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../admin-api';
import { StaffTicketState } from '../admin-ops';
import { errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import {
  Button,
  Card,
  ConfirmButton,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  Notice,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/tickets_/$ticketId')({
  component: () => <RequireStaff>{() => <Thread />}</RequireStaff>,
});

function Thread() {
  const { t } = useTranslation();
  const f = useFormat();
  const id = Number(Route.useParams().ticketId);
  const qc = useQueryClient();
  const [message, setMessage] = useState('');
  const q = useQuery({
    queryKey: ['admin', 'ticket', id],
    queryFn: () => unwrap(adminApi.GET('/api/admin/tickets/{id}', { params: { path: { id } } })),
    refetchInterval: 30_000,
  });
  // Reading the thread marked it read: the inbox's counts are stale now.
  const loadedAt = q.dataUpdatedAt;
  useEffect(() => {
    if (loadedAt) void qc.invalidateQueries({ queryKey: ['admin', 'tickets'] });
  }, [loadedAt, qc]);
  const refresh = () => qc.invalidateQueries({ queryKey: ['admin', 'ticket', id] });
  const reply = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/tickets/{id}/replies', { params: { path: { id } }, body: { message } }),
      ),
    onSuccess: async () => {
      setMessage('');
      await refresh();
    },
  });
  const close = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/tickets/{id}/close', { params: { path: { id } } })),
    onSuccess: refresh,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!reply.isPending) reply.mutate();
  }

  return (
    <div className="mx-auto max-w-2xl">
      <Link to="/admin/tickets" className="mb-3 inline-block min-h-11 py-2 text-sm text-indigo-700 underline">
        {t('admin.tickets.back')}
      </Link>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <div className="mb-3 flex items-start justify-between gap-3">
            <h1 className="text-xl font-bold sm:text-2xl">
              {t('tickets.number', { id: q.data.ticket.id })} ·{' '}
              {t(`tickets.subjects.${q.data.ticket.subject}`)}
            </h1>
            <StaffTicketState state={q.data.ticket.state} />
          </div>
          <dl className="mb-4 grid grid-cols-2 gap-x-4 text-sm">
            <div className="min-w-0">
              <dt className="text-xs text-slate-500">{t('admin.tickets.user')}</dt>
              <dd>
                <Link
                  to="/admin/users/$userId"
                  params={{ userId: String(q.data.ticket.userId) }}
                  className="inline-block min-h-11 py-2 break-all text-indigo-700 underline"
                  aria-label={t('admin.tickets.userPage', { user: q.data.ticket.user })}
                >
                  {q.data.ticket.user}
                </Link>
              </dd>
            </div>
            {q.data.ticket.orderIds.length > 0 && (
              <div className="min-w-0">
                <dt className="text-xs text-slate-500">{t('admin.tickets.orders')}</dt>
                <dd className="flex flex-wrap gap-x-3">
                  {q.data.ticket.orderIds.map((o) => (
                    <a
                      key={o}
                      href={`/admin/orders/${o}`}
                      className="inline-block min-h-11 py-2 text-indigo-700 underline"
                    >
                      #{o}
                    </a>
                  ))}
                </dd>
              </div>
            )}
          </dl>
          <ol className="mb-4 space-y-3" aria-label={t('tickets.thread')}>
            {q.data.messages.map((m) => (
              <li
                key={m.id}
                className={`max-w-[90%] rounded-lg border p-3 ${
                  m.fromStaff ? 'ml-auto border-indigo-200 bg-indigo-50' : 'border-slate-200 bg-white'
                }`}
              >
                <p className="mb-1 text-xs text-slate-600">
                  <span className="font-semibold">
                    {m.fromStaff ? t('admin.tickets.staffWrote', { author: m.author }) : m.author}
                  </span>
                  {' · '}
                  <time dateTime={m.createdAt}>{f.dateTime(m.createdAt)}</time>
                </p>
                <p className="whitespace-pre-wrap break-words text-sm">{m.body}</p>
              </li>
            ))}
          </ol>
          {q.data.ticket.state === 'closed' ? (
            <Notice>{t('admin.tickets.closed')}</Notice>
          ) : (
            <Card>
              <form onSubmit={submit} className="space-y-3">
                <Field label={t('admin.tickets.reply')} hint={t('admin.tickets.replyHint')}>
                  {(fid, hint) => (
                    <textarea
                      id={fid}
                      aria-describedby={hint}
                      required
                      rows={4}
                      maxLength={5000}
                      className={inputClass}
                      value={message}
                      onChange={(e) => {
                        setMessage(e.target.value);
                        reply.reset();
                      }}
                    />
                  )}
                </Field>
                {reply.isError && <ErrorMessage>{errorText(reply.error)}</ErrorMessage>}
                {reply.isSuccess && <Notice>{t('admin.tickets.sent')}</Notice>}
                {close.isError && <ErrorMessage>{errorText(close.error)}</ErrorMessage>}
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <Button type="submit" disabled={reply.isPending}>
                    {reply.isPending ? t('common.wait') : t('admin.tickets.send')}
                  </Button>
                  <ConfirmButton
                    variant="secondary"
                    label={t('admin.tickets.close')}
                    question={t('admin.tickets.closeAsk')}
                    confirmLabel={t('admin.tickets.closeYes')}
                    disabled={close.isPending}
                    onConfirm={() => close.mutate()}
                  />
                </div>
              </form>
            </Card>
          )}
        </>
      )}
    </div>
  );
}
