/**
 * Admin area: one order. What the customer asked for and paid, where it stands with its provider (the
 * upstream id and message, what the provider charges us: unknown when it never said), its ledger
 * entries, refills and drip-feed runs. An order in review gets a "Needs a decision" box with the
 * three answers (admin only; each asks before it acts). Staff set a status by hand: support only
 * Processing / In progress, admin also the statuses that settle money (the server refuses anyway).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { AT_PROVIDER, DispatchBadge, type DispatchState, StatusBadge } from '../admin-orders';
import { errorText, unwrap } from '../api';
import { FundsEntryList } from '../components/FundsEntryList';
import { RequireStaff } from '../components/RequireStaff';
import {
  Card,
  ConfirmButton,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  LinkText,
  Loading,
  Notice,
  PageTitle,
  TextField,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/orders_/$orderId')({
  component: () => <RequireStaff>{(me) => <OrderPage isAdmin={me.role === 'admin'} />}</RequireStaff>,
});

type Detail = AdminSchemas['AdminOrderDetail'];
const ENDED = ['completed', 'partial', 'canceled'];

function OrderPage({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useTranslation();
  const id = Number(Route.useParams().orderId);
  const q = useQuery({
    queryKey: ['admin', 'order', id],
    queryFn: () => unwrap(adminApi.GET('/api/admin/orders/{id}', { params: { path: { id } } })),
  });
  return (
    <div className="space-y-4">
      <p>
        <Link to="/admin/orders" className="inline-block min-h-11 py-3 text-sm text-indigo-700 underline">
          ← {t('admin.orders.back')}
        </Link>
      </p>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && <OrderBody o={q.data} isAdmin={isAdmin} />}
    </div>
  );
}

function OrderBody({ o, isAdmin }: { o: Detail; isAdmin: boolean }) {
  const { t } = useTranslation();
  // Said here, not in the form: a change that ends the order (or its review) removes the form.
  const [done, setDone] = useState<string | null>(null);
  return (
    <>
      <div>
        <PageTitle>{t('orders.number', { id: o.id })}</PageTitle>
        <p className="-mt-3 flex flex-wrap gap-1">
          <StatusBadge status={o.status} />
          <DispatchBadge state={o.dispatch} />
          {o.cancel && o.cancel.state !== 'ended' && (
            <span className="inline-block rounded bg-red-50 px-1.5 text-xs font-medium text-red-800">
              {t('admin.orders.order.cancelAsked')}
            </span>
          )}
        </p>
      </div>
      {done && <Notice>{done}</Notice>}
      {o.dispatch === 'review' && <ReviewBox o={o} isAdmin={isAdmin} onDone={setDone} />}
      <Facts o={o} isAdmin={isAdmin} />
      {/* An order in review is settled by the decision above, not by a status set by hand. */}
      {!ENDED.includes(o.status) && o.dispatch !== 'review' && (
        <StatusForm o={o} isAdmin={isAdmin} onDone={setDone} />
      )}
      <Ledger o={o} />
      <Refills o={o} />
      {o.dripfeedRuns.length > 0 && <Runs o={o} />}
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

function Facts({ o, isAdmin }: { o: Detail; isAdmin: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const money = (a: string) => f.money(a, o.currency);
  return (
    <Card>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3">
        <Fact label={t('admin.orders.order.user')}>
          <Link
            to="/admin/users/$userId"
            params={{ userId: String(o.user.id) }}
            className="text-indigo-700 underline"
          >
            {o.user.username}
          </Link>
        </Fact>
        <Fact label={t('admin.orders.order.service')}>
          <Link
            to="/admin/orders"
            search={{ service: o.service.id }}
            className="text-indigo-700 underline"
            title={t('admin.orders.order.itsOrders')}
          >
            {o.service.name ?? '—'} #{o.service.id}
          </Link>
        </Fact>
        <Fact label={t('admin.orders.order.placed')}>{f.dateTime(o.createdAt)}</Fact>
        <Fact label={t('admin.orders.order.link')} wide>
          <LinkText link={o.link} />
        </Fact>
        <Fact label={t('admin.orders.order.quantity')}>
          {f.count(o.quantity)}
          {o.runs ? ` × ${o.runs}` : ''}
        </Fact>
        <Fact label={t('admin.orders.order.remains')}>{f.count(o.remains)}</Fact>
        <Fact label={t('admin.orders.order.startCount')}>
          {o.startCount === null ? '—' : f.count(o.startCount)}
        </Fact>
        <Fact label={t('admin.orders.order.charge')}>
          <span className="font-semibold">{money(o.charge)}</span>
        </Fact>
        <Fact label={t('admin.orders.order.refunded')}>{money(o.refunded)}</Fact>
        <Fact label={t('admin.orders.order.providerCost')}>
          {o.providerCost === null ? (
            <span className="text-slate-500">{t('admin.orders.order.unknown')}</span>
          ) : (
            money(o.providerCost)
          )}
        </Fact>
        <Fact label={t('admin.orders.order.provider')}>
          {o.provider ? (
            <Link
              to="/admin/orders"
              search={{ provider: o.provider.id }}
              className="text-indigo-700 underline"
              title={t('admin.orders.order.itsOrders')}
            >
              {o.provider.name ?? '—'} #{o.provider.id}
            </Link>
          ) : (
            t('admin.orders.byHand')
          )}
        </Fact>
        <Fact label={t('admin.orders.order.upstreamOrder')}>{o.upstreamOrder ?? '—'}</Fact>
        {o.provider && <Fact label={t('admin.orders.order.attempts')}>{f.count(o.attempts)}</Fact>}
        {o.upstreamMessage && (
          <Fact label={t('admin.orders.order.upstreamMessage')} wide>
            <span className="font-mono text-xs text-red-800">{o.upstreamMessage}</span>
          </Fact>
        )}
        {o.cancel && (
          <Fact label={t('admin.orders.order.cancel')} wide>
            {t('admin.orders.order.cancelState', {
              at: f.dateTime(o.cancel.requestedAt),
              state: o.cancel.state,
            })}
          </Fact>
        )}
        {o.params && (
          <Fact label={t('admin.orders.order.params')} wide>
            <span className="font-mono text-xs">{JSON.stringify(o.params)}</span>
          </Fact>
        )}
        {o.finishedAt && <Fact label={t('admin.orders.order.finished')}>{f.dateTime(o.finishedAt)}</Fact>}
      </dl>
      {isAdmin && (
        <p className="mt-3 text-sm">
          <Link to="/admin/audit" search={{ subject: `order:${o.id}` }} className="text-indigo-700 underline">
            {t('admin.orders.order.history')}
          </Link>
        </p>
      )}
    </Card>
  );
}

function useRefresh(id: number) {
  const qc = useQueryClient();
  return async () => {
    await qc.invalidateQueries({ queryKey: ['admin', 'order', id] });
    await qc.invalidateQueries({ queryKey: ['admin', 'orders'] });
  };
}

/** The order's send had an unknown outcome: the operator looks at the provider and says what happened. */
function ReviewBox({ o, isAdmin, onDone }: { o: Detail; isAdmin: boolean; onDone: (text: string) => void }) {
  const { t } = useTranslation();
  const refresh = useRefresh(o.id);
  const [upstream, setUpstream] = useState('');
  const resolve = useMutation({
    mutationFn: (body: AdminSchemas['AdminResolveReview']) =>
      unwrap(adminApi.POST('/api/admin/orders/{id}/review', { params: { path: { id: o.id } }, body })),
    onSuccess: async (r) => {
      onDone(t(`admin.orders.review.done.${r.resolution}`));
      await refresh();
    },
  });
  const provider = o.provider ? (o.provider.name ?? `#${o.provider.id}`) : '—';
  return (
    <section
      aria-labelledby="review-title"
      className="space-y-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4"
    >
      <h2 id="review-title" className="text-lg font-bold text-amber-950">
        {t('admin.orders.review.title')}
      </h2>
      <p className="text-sm text-amber-950">{t('admin.orders.review.why', { provider })}</p>
      {o.upstreamMessage && (
        <p className="text-sm">
          {t('admin.orders.review.message')} <span className="font-mono text-xs">{o.upstreamMessage}</span>
        </p>
      )}
      {!isAdmin ? (
        <p className="text-sm font-medium">{t('admin.orders.review.adminOnly')}</p>
      ) : (
        <ol className="space-y-3">
          <li className="space-y-2 rounded-md bg-white p-3">
            <h3 className="font-semibold">{t('admin.orders.review.sentTitle')}</h3>
            <p className="text-sm text-slate-600">{t('admin.orders.review.sentHelp', { provider })}</p>
            <TextField
              label={t('admin.orders.review.upstreamId')}
              value={upstream}
              onChange={setUpstream}
              autoComplete="off"
              maxLength={64}
            />
            <ConfirmButton
              label={t('admin.orders.review.sent')}
              variant="secondary"
              disabled={resolve.isPending || upstream.trim() === ''}
              question={t('admin.orders.review.sentAsk', { id: upstream.trim() })}
              confirmLabel={t('admin.orders.review.sentYes')}
              onConfirm={() => resolve.mutate({ resolution: 'sent', providerOrderId: upstream.trim() })}
            />
          </li>
          <li className="space-y-2 rounded-md bg-white p-3">
            <h3 className="font-semibold">{t('admin.orders.review.notSentTitle')}</h3>
            <p className="text-sm text-slate-600">{t('admin.orders.review.notSentHelp')}</p>
            <ConfirmButton
              label={t('admin.orders.review.notSent')}
              variant="secondary"
              disabled={resolve.isPending}
              question={t('admin.orders.review.notSentAsk')}
              confirmLabel={t('admin.orders.review.notSentYes')}
              onConfirm={() => resolve.mutate({ resolution: 'not_sent' })}
            />
          </li>
          <li className="space-y-2 rounded-md bg-white p-3">
            <h3 className="font-semibold">{t('admin.orders.review.cancelTitle')}</h3>
            <p className="text-sm text-slate-600">{t('admin.orders.review.cancelHelp')}</p>
            <ConfirmButton
              label={t('admin.orders.review.cancel')}
              disabled={resolve.isPending}
              question={t('admin.orders.review.cancelAsk')}
              confirmLabel={t('admin.orders.review.cancelYes')}
              onConfirm={() => resolve.mutate({ resolution: 'cancel' })}
            />
          </li>
        </ol>
      )}
      {resolve.isError && <ErrorMessage>{errorText(resolve.error)}</ErrorMessage>}
    </section>
  );
}

const UNSETTLED = ['processing', 'in_progress'] as const;
const SETTLING = ['completed', 'partial', 'canceled'] as const;
type Target = (typeof UNSETTLED)[number] | (typeof SETTLING)[number];

function StatusForm({ o, isAdmin, onDone }: { o: Detail; isAdmin: boolean; onDone: (text: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const refresh = useRefresh(o.id);
  const choices: Target[] = isAdmin ? [...UNSETTLED, ...SETTLING] : [...UNSETTLED];
  const [status, setStatus] = useState<Target | ''>('');
  const [remains, setRemains] = useState('');
  const [startCount, setStartCount] = useState('');
  const [note, setNote] = useState('');
  const [force, setForce] = useState(false);
  const atProvider = AT_PROVIDER.includes(o.dispatch as DispatchState);
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/orders/{id}/status', {
          params: { path: { id: o.id } },
          body: {
            status: status as Target,
            ...(remains.trim() && status !== 'completed' && status !== 'canceled'
              ? { remains: remains.trim() }
              : {}),
            ...(startCount.trim() ? { startCount: startCount.trim() } : {}),
            ...(note.trim() ? { note: note.trim() } : {}),
            ...(force ? { force: true } : {}),
          },
        }),
      ),
    onSuccess: async (r) => {
      onDone(
        t('admin.orders.setStatus.done', {
          status: t(`status.${r.status}`),
          refund: f.money(r.refund, o.currency),
        }),
      );
      setStatus('');
      setRemains('');
      setStartCount('');
      setNote('');
      setForce(false);
      await refresh();
    },
  });
  const settles = (SETTLING as readonly string[]).includes(status);
  return (
    <Card className="space-y-3">
      <h2 className="font-semibold">{t('admin.orders.setStatus.title')}</h2>
      <p className="text-sm text-slate-600">
        {isAdmin ? t('admin.orders.setStatus.help') : t('admin.orders.setStatus.supportHelp')}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label={t('admin.orders.setStatus.status')}>
          {(id) => (
            <select
              id={id}
              className={`${inputClass} min-h-11`}
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as Target | '');
                send.reset();
              }}
            >
              <option value="">{t('admin.orders.setStatus.choose')}</option>
              {choices.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {/* Completed delivers everything; Canceled gives back what is left of the charge: no remains. */}
        {status !== 'completed' && status !== 'canceled' && (
          <TextField
            label={t('admin.orders.setStatus.remains')}
            hint={
              status === 'partial'
                ? t('admin.orders.setStatus.remainsPartial')
                : t('admin.orders.setStatus.remainsHint')
            }
            value={remains}
            onChange={setRemains}
            inputMode="numeric"
            autoComplete="off"
          />
        )}
        <TextField
          label={t('admin.orders.setStatus.startCount')}
          value={startCount}
          onChange={setStartCount}
          inputMode="numeric"
          autoComplete="off"
        />
        <TextField label={t('admin.orders.setStatus.note')} value={note} onChange={setNote} maxLength={500} />
      </div>
      {atProvider && (
        <label className="flex min-h-11 items-start gap-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <input
            type="checkbox"
            className="mt-0.5 size-5"
            checked={force}
            onChange={(e) => setForce(e.target.checked)}
          />
          <span>{t('admin.orders.setStatus.force')}</span>
        </label>
      )}
      <ConfirmButton
        label={t('admin.orders.setStatus.set')}
        variant={settles ? 'danger' : 'secondary'}
        disabled={status === '' || send.isPending}
        question={
          settles
            ? t('admin.orders.setStatus.askSettle', {
                id: o.id,
                status: status ? t(`status.${status}`) : '',
                charge: f.money(o.charge, o.currency),
              })
            : t('admin.orders.setStatus.ask', { id: o.id, status: status ? t(`status.${status}`) : '' })
        }
        confirmLabel={t('admin.orders.setStatus.yes')}
        onConfirm={() => send.mutate()}
      />
      {send.isError && <ErrorMessage>{errorText(send.error)}</ErrorMessage>}
    </Card>
  );
}

function Ledger({ o }: { o: Detail }) {
  const { t } = useTranslation();
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.orders.order.ledger')}</h2>
      <FundsEntryList entries={o.ledger.map((e) => ({ ...e, order: null }))} />
    </section>
  );
}

function Refills({ o }: { o: Detail }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.orders.order.refills')}</h2>
      {o.refills.length === 0 ? (
        <Empty>{t('admin.orders.order.noRefills')}</Empty>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {o.refills.map((r) => (
            <li key={r.id} className="flex items-center justify-between gap-3 p-3 text-sm">
              <div>
                <p className="font-medium">{t('refills.number', { id: r.id })}</p>
                <p className="text-xs text-slate-500">
                  {f.dateTime(r.createdAt)} ·{' '}
                  {t('admin.orders.refills.forwarding', {
                    state: t(`admin.orders.refills.fwd.${r.forwarding}`, { defaultValue: r.forwarding }),
                  })}
                </p>
              </div>
              <StatusBadge status={r.status} />
            </li>
          ))}
        </ul>
      )}
      {o.refills.length > 0 && (
        <p className="mt-2 text-sm">
          <Link to="/admin/orders/refills" className="text-indigo-700 underline">
            {t('admin.orders.order.toRefills')}
          </Link>
        </p>
      )}
    </section>
  );
}

function Runs({ o }: { o: Detail }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.orders.order.runs')}</h2>
      <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
        {o.dripfeedRuns.map((r) => (
          <li key={r.id} className="flex items-start justify-between gap-3 p-3 text-sm">
            <div className="min-w-0">
              <p className="font-medium">
                {t('admin.orders.order.run', { run: r.run ?? '—' })} · {t('orders.number', { id: r.id })}
              </p>
              <p className="text-xs text-slate-500">
                {f.count(r.quantity)} · {t('admin.orders.order.remainsN', { n: f.count(r.remains) })}
                {r.upstreamOrder ? ` · ${r.upstreamOrder}` : ''}
              </p>
              {r.error && <p className="font-mono text-xs text-red-800">{r.error}</p>}
            </div>
            <div className="shrink-0 space-x-1 text-right">
              <StatusBadge status={r.status} />
              <DispatchBadge state={r.dispatch} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
