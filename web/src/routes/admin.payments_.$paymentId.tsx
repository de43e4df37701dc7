/**
 * Admin area: one payment. Who paid, with which method, what was asked, received and credited, the
 * transfer's reference, the gateway's invoice and status, who decided and why; its ledger entries and
 * the gateway's raw messages (oldest first). A pending payment gets Approve (with the amount that
 * arrived) and Reject; a credited one gets Reverse (a chargeback). Those are for admins only (each
 * asks before it acts); support sees the page without them. A payment someone else decided meanwhile
 * answers "not pending": the message is shown and the page reloads the payment.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { isZero, PaymentStateBadge } from '../admin-payments';
import { ApiError, errorText, unwrap } from '../api';
import { FundsEntryList } from '../components/FundsEntryList';
import { RequireStaff } from '../components/RequireStaff';
import {
  Card,
  ConfirmButton,
  Empty,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  TextField,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/payments_/$paymentId')({
  component: () => <RequireStaff>{(me) => <PaymentPage isAdmin={me.role === 'admin'} />}</RequireStaff>,
});

type Detail = AdminSchemas['AdminPaymentDetail'];
type Payment = AdminSchemas['AdminPayment'];
const CREDITED = ['completed', 'partial'];

function PaymentPage({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useTranslation();
  const id = Number(Route.useParams().paymentId);
  const q = useQuery({
    queryKey: ['admin', 'payment', id],
    queryFn: () => unwrap(adminApi.GET('/api/admin/payments/{id}', { params: { path: { id } } })),
  });
  return (
    <div className="space-y-4">
      <p>
        <Link to="/admin/payments" className="inline-block min-h-11 py-3 text-sm text-indigo-700 underline">
          ← {t('admin.payments.back')}
        </Link>
      </p>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && <PaymentBody d={q.data} isAdmin={isAdmin} />}
    </div>
  );
}

function PaymentBody({ d, isAdmin }: { d: Detail; isAdmin: boolean }) {
  const { t } = useTranslation();
  const p = d.payment;
  // Said here, not in the forms: a decision removes the form that made it.
  const [done, setDone] = useState<ReactNode>(null);
  return (
    <>
      <div>
        <PageTitle>{t('admin.payments.number', { id: p.id })}</PageTitle>
        <p className="-mt-3 flex flex-wrap items-center gap-2">
          <PaymentStateBadge state={p.state} />
          <span className="text-sm text-slate-600">{p.method}</span>
        </p>
      </div>
      {done}
      {p.state === 'pending' &&
        (isAdmin ? (
          <Decide p={p} onDone={setDone} />
        ) : (
          <p className="text-sm font-medium text-slate-700">{t('admin.payments.pay.adminDecides')}</p>
        ))}
      <Facts p={p} />
      {CREDITED.includes(p.state) && isAdmin && <Reverse p={p} onDone={setDone} />}
      <Entries d={d} />
      <Events d={d} />
    </>
  );
}

function Fact({ label, wide, children }: { label: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={`min-w-0 ${wide ? 'col-span-2 sm:col-span-3' : ''}`}>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}

function Facts({ p }: { p: Payment }) {
  const { t } = useTranslation();
  const f = useFormat();
  const money = (a: string | null) => (a === null ? '—' : f.money(a, p.currency));
  return (
    <Card>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3">
        <Fact label={t('admin.payments.pay.user')}>
          <Link
            to="/admin/users/$userId"
            params={{ userId: String(p.userId) }}
            className="text-indigo-700 underline"
          >
            {p.username}
          </Link>
        </Fact>
        <Fact label={t('admin.payments.pay.method')}>
          {p.method} <span className="text-xs text-slate-500">({p.kind})</span>
        </Fact>
        <Fact label={t('admin.payments.pay.created')}>{f.dateTime(p.createdAt)}</Fact>
        <Fact label={t('admin.payments.pay.amount')}>
          <span className="font-semibold">{money(p.amount)}</span>
        </Fact>
        <Fact label={t('admin.payments.pay.received')}>{money(p.received)}</Fact>
        <Fact label={t('admin.payments.pay.credited')}>
          <span className={isZero(p.credited) ? '' : 'font-semibold text-emerald-800'}>
            {money(p.credited)}
          </span>
        </Fact>
        <Fact label={t('admin.payments.pay.adjust')}>{p.adjustPercent}%</Fact>
        {!isZero(p.reversed) && <Fact label={t('admin.payments.pay.reversed')}>{money(p.reversed)}</Fact>}
        {!isZero(p.shortfall) && (
          <Fact label={t('admin.payments.pay.shortfall')}>
            <span className="font-semibold text-red-700">{money(p.shortfall)}</span>
          </Fact>
        )}
        <Fact label={t('admin.payments.pay.reference')} wide>
          <span className="font-mono text-xs">{p.reference ?? '—'}</span>
        </Fact>
        {(p.gatewayRef || p.gatewayStatus) && (
          <>
            <Fact label={t('admin.payments.pay.gatewayRef')}>
              <span className="break-all font-mono text-xs">{p.gatewayRef ?? '—'}</span>
            </Fact>
            <Fact label={t('admin.payments.pay.gatewayStatus')}>{p.gatewayStatus ?? '—'}</Fact>
          </>
        )}
        {p.payUrl && (
          <Fact label={t('admin.payments.pay.payUrl')} wide>
            <a
              href={p.payUrl}
              target="_blank"
              rel="noopener noreferrer nofollow"
              className="break-all text-indigo-700 underline"
            >
              {p.payUrl}
            </a>
          </Fact>
        )}
        {p.expiresAt && <Fact label={t('admin.payments.pay.expires')}>{f.dateTime(p.expiresAt)}</Fact>}
        {p.endedAt && <Fact label={t('admin.payments.pay.ended')}>{f.dateTime(p.endedAt)}</Fact>}
        <Fact label={t('admin.payments.pay.decidedBy')}>
          {p.decidedBy === null ? (
            '—'
          ) : (
            <Link
              to="/admin/users/$userId"
              params={{ userId: String(p.decidedBy) }}
              className="text-indigo-700 underline"
            >
              {t('admin.payments.pay.staff', { id: p.decidedBy })}
            </Link>
          )}
        </Fact>
        {p.kind !== 'manual' && (
          <Fact label={t('admin.payments.pay.checks')}>
            {f.count(p.checks)}
            {p.nextCheckAt && p.state === 'pending'
              ? ` · ${t('admin.payments.pay.nextCheck', { at: f.dateTime(p.nextCheckAt) })}`
              : ''}
          </Fact>
        )}
        {p.note && (
          <Fact label={t('admin.payments.pay.note')} wide>
            <span className="whitespace-pre-wrap">{p.note}</span>
          </Fact>
        )}
      </dl>
    </Card>
  );
}

/** After a decision or a refusal: reload this payment, the lists and the tab's count. */
function useRefresh(id: number) {
  const qc = useQueryClient();
  return async () => {
    await qc.invalidateQueries({ queryKey: ['admin', 'payment', id] });
    await qc.invalidateQueries({ queryKey: ['admin', 'payments'] });
  };
}

const isStale = (err: unknown) =>
  err instanceof ApiError && ['payment_not_pending', 'payment_not_credited'].includes(err.code);

/**
 * A refusal. "Not pending" / "not credited" means someone got there first: the message is said above
 * the payment (the form that was refused goes away) and the payment is reloaded.
 */
function useFailure(id: number, onDone: (n: ReactNode) => void) {
  const refresh = useRefresh(id);
  return (err: unknown) => {
    if (isStale(err)) {
      onDone(<ErrorMessage>{errorText(err)}</ErrorMessage>);
      void refresh();
    }
  };
}

function Decide({ p, onDone }: { p: Payment; onDone: (n: ReactNode) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const refresh = useRefresh(p.id);
  const onError = useFailure(p.id, onDone);
  const [received, setReceived] = useState(p.amount);
  const [note, setNote] = useState('');
  const approve = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/payments/{id}/approve', {
          params: { path: { id: p.id } },
          body: {
            ...(received.trim() ? { received: received.trim() } : {}),
            ...(note.trim() ? { note: note.trim() } : {}),
          },
        }),
      ),
    onSuccess: async (r) => {
      onDone(
        <Notice>
          {t('admin.payments.pay.approved', {
            state: t(`admin.payments.states.${r.state}`, { defaultValue: r.state }),
            amount: f.money(r.credited, r.currency),
            user: r.username,
          })}
        </Notice>,
      );
      await refresh();
    },
    onError,
  });
  const reject = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/payments/{id}/reject', {
          params: { path: { id: p.id } },
          body: note.trim() ? { note: note.trim() } : {},
        }),
      ),
    onSuccess: async () => {
      onDone(<Notice>{t('admin.payments.pay.rejected')}</Notice>);
      await refresh();
    },
    onError,
  });
  const busy = approve.isPending || reject.isPending;
  const error = approve.error ?? reject.error;
  return (
    <section
      aria-labelledby="decide-title"
      className="space-y-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4"
    >
      <h2 id="decide-title" className="text-lg font-bold text-amber-950">
        {t('admin.payments.pay.decideTitle')}
      </h2>
      <p className="text-sm text-amber-950">
        {p.kind === 'manual'
          ? t('admin.payments.pay.decideManual', { reference: p.reference ?? '—' })
          : t('admin.payments.pay.decideGateway')}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField
          label={t('admin.payments.pay.receivedField', { currency: p.currency })}
          hint={t('admin.payments.pay.receivedHint', { amount: p.amount })}
          value={received}
          onChange={(v) => {
            setReceived(v);
            approve.reset();
          }}
          inputMode="decimal"
          autoComplete="off"
          maxLength={40}
        />
        <TextField
          label={t('admin.payments.pay.noteField')}
          hint={t('admin.payments.pay.noteHint')}
          value={note}
          onChange={setNote}
          autoComplete="off"
          maxLength={2000}
        />
      </div>
      <div className="flex flex-wrap gap-3">
        <ConfirmButton
          label={t('admin.payments.pay.approve')}
          variant="secondary"
          disabled={busy || received.trim() === ''}
          question={t('admin.payments.pay.approveAsk', {
            received: `${received.trim()} ${p.currency}`,
            user: p.username,
          })}
          confirmLabel={t('admin.payments.pay.approveYes')}
          onConfirm={() => {
            reject.reset();
            approve.mutate();
          }}
        />
        <ConfirmButton
          label={t('admin.payments.pay.reject')}
          disabled={busy}
          question={t('admin.payments.pay.rejectAsk')}
          confirmLabel={t('admin.payments.pay.rejectYes')}
          onConfirm={() => {
            approve.reset();
            reject.mutate();
          }}
        />
      </div>
      {error != null && !isStale(error) && <ErrorMessage>{errorText(error)}</ErrorMessage>}
    </section>
  );
}

function Reverse({ p, onDone }: { p: Payment; onDone: (n: ReactNode) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const refresh = useRefresh(p.id);
  const onError = useFailure(p.id, onDone);
  const [note, setNote] = useState('');
  const reverse = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/payments/{id}/reverse', {
          params: { path: { id: p.id } },
          body: { note: note.trim() },
        }),
      ),
    onSuccess: async (r) => {
      onDone(
        <>
          <Notice>{t('admin.payments.pay.reversedDone', { amount: f.money(r.reversed, r.currency) })}</Notice>
          {!isZero(r.shortfall) && (
            <p
              role="alert"
              className="rounded-md border border-red-300 bg-red-50 px-3 py-2 font-semibold text-red-700"
            >
              {t('admin.payments.pay.shortfallDone', { amount: f.money(r.shortfall, r.currency) })}
            </p>
          )}
        </>,
      );
      await refresh();
    },
    onError,
  });
  return (
    <Card className="space-y-3">
      <h2 className="font-semibold">{t('admin.payments.pay.reverseTitle')}</h2>
      <p className="text-sm text-slate-600">
        {t('admin.payments.pay.reverseHelp', { amount: f.money(p.credited, p.currency) })}
      </p>
      <TextField
        label={t('admin.payments.pay.reverseNote')}
        hint={t('admin.payments.pay.reverseNoteHint')}
        value={note}
        onChange={(v) => {
          setNote(v);
          reverse.reset();
        }}
        autoComplete="off"
        maxLength={2000}
        required
      />
      <ConfirmButton
        label={t('admin.payments.pay.reverse')}
        disabled={reverse.isPending || note.trim() === ''}
        question={t('admin.payments.pay.reverseAsk', {
          amount: f.money(p.credited, p.currency),
          user: p.username,
        })}
        confirmLabel={t('admin.payments.pay.reverseYes')}
        onConfirm={() => reverse.mutate()}
      />
      {reverse.isError && !isStale(reverse.error) && <ErrorMessage>{errorText(reverse.error)}</ErrorMessage>}
    </Card>
  );
}

function Entries({ d }: { d: Detail }) {
  const { t } = useTranslation();
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.payments.pay.ledger')}</h2>
      <FundsEntryList
        entries={d.entries.map((e) => ({ ...e, order: null, at: e.createdAt, note: null }))}
        empty={t('admin.payments.pay.noEntries')}
      />
    </section>
  );
}

/** What the gateway said, as it came, oldest first (the server's order). */
function Events({ d }: { d: Detail }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (d.payment.kind === 'manual' && d.events.length === 0) return null;
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.payments.pay.events')}</h2>
      {d.events.length === 0 ? (
        <Empty>{t('admin.payments.pay.noEvents')}</Empty>
      ) : (
        <ol className="space-y-2">
          {d.events.map((e) => (
            <li key={e.id} className="space-y-1 rounded-lg border border-slate-200 bg-white p-3 text-sm">
              <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <span className="font-medium">
                  {t(`admin.payments.pay.source.${e.source}`, { defaultValue: e.source })}
                </span>
                <span className="rounded bg-slate-100 px-1.5 text-xs">{e.outcome}</span>
                {e.gatewayStatus && <span className="font-mono text-xs">{e.gatewayStatus}</span>}
                <time dateTime={e.createdAt} className="text-xs text-slate-500">
                  {f.dateTime(e.createdAt)}
                </time>
                {e.remote && <span className="text-xs text-slate-500">{e.remote}</span>}
              </p>
              <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs">
                {e.body}
              </pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
