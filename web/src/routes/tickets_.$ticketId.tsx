import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
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
import { TicketState } from '../tickets';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/tickets_/$ticketId')({
  component: () => <RequireUser>{() => <Thread />}</RequireUser>,
});

function Thread() {
  const { t } = useTranslation();
  const f = useFormat();
  const { ticketId } = Route.useParams();
  const id = Number(ticketId);
  const qc = useQueryClient();
  const [message, setMessage] = useState('');
  const q = useQuery({
    queryKey: ['tickets', id],
    queryFn: () => unwrap(api.GET('/api/web/tickets/{id}', { params: { path: { id } } })),
    refetchInterval: 30_000,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['tickets'] });
  const reply = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/web/tickets/{id}/replies', { params: { path: { id } }, body: { message } })),
    onSuccess: async () => {
      setMessage('');
      await refresh();
    },
  });
  const close = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/tickets/{id}/close', { params: { path: { id } } })),
    onSuccess: refresh,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!reply.isPending) reply.mutate();
  }

  return (
    <div className="mx-auto max-w-2xl">
      <Link to="/tickets" className="mb-3 inline-block min-h-11 py-2 text-sm text-indigo-700 underline">
        {t('tickets.back')}
      </Link>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <>
          <div className="mb-4 flex items-start justify-between gap-3">
            <div>
              <h1 className="text-xl font-bold sm:text-2xl">
                {t('tickets.number', { id: q.data.ticket.id })} ·{' '}
                {t(`tickets.subjects.${q.data.ticket.subject}`)}
              </h1>
              {q.data.ticket.orderIds.length > 0 && (
                <p className="text-sm text-slate-600">
                  {t('tickets.aboutOrders', { ids: q.data.ticket.orderIds.map((o) => `#${o}`).join(', ') })}
                </p>
              )}
            </div>
            <TicketState state={q.data.ticket.state} />
          </div>
          <ol className="mb-4 space-y-3" aria-label={t('tickets.thread')}>
            {q.data.messages.map((m) => (
              <li
                key={m.id}
                className={`max-w-[90%] rounded-lg border p-3 ${
                  m.fromStaff ? 'border-indigo-200 bg-indigo-50' : 'ml-auto border-slate-200 bg-white'
                }`}
              >
                <p className="mb-1 text-xs text-slate-600">
                  <span className="font-semibold">
                    {m.fromStaff ? t('tickets.support') : t('tickets.you')}
                  </span>
                  {' · '}
                  <time dateTime={m.createdAt}>{f.dateTime(m.createdAt)}</time>
                </p>
                <p className="whitespace-pre-wrap break-words text-sm">{m.body}</p>
              </li>
            ))}
          </ol>
          {q.data.ticket.state === 'closed' ? (
            <Notice>{t('tickets.closedNotice')}</Notice>
          ) : (
            <Card>
              <form onSubmit={submit} className="space-y-3">
                <Field label={t('tickets.reply')} hint={t('tickets.messageHint')}>
                  {(fid, hint) => (
                    <textarea
                      id={fid}
                      aria-describedby={hint}
                      required
                      rows={4}
                      maxLength={5000}
                      className={inputClass}
                      value={message}
                      onChange={(e) => setMessage(e.target.value)}
                    />
                  )}
                </Field>
                {reply.isError && <ErrorMessage>{errorText(reply.error)}</ErrorMessage>}
                {close.isError && <ErrorMessage>{errorText(close.error)}</ErrorMessage>}
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <Button type="submit" disabled={reply.isPending}>
                    {reply.isPending ? t('common.wait') : t('tickets.sendReply')}
                  </Button>
                  <ConfirmButton
                    variant="secondary"
                    label={t('tickets.close')}
                    question={t('tickets.closeConfirm')}
                    confirmLabel={t('tickets.closeYes')}
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
