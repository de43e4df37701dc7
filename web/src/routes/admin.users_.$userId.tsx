/**
 * Admin area: one user. Facts, latest orders, custom rates, the funds history in pages, tickets and
 * sessions; an admin adds or deducts funds (with a note, after a confirm), disables or enables the
 * account, sets a new password or API key (shown once), changes the role (after a confirm), turns off
 * two-factor sign-in and sets or clears custom rates. Support sees the same facts without the buttons
 * (the server refuses them anyway).
 */

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
import { StaffActions, UserFunds, UserRates, UserSessions, UserTickets } from '../components/AdminStaff';
import { RequireStaff, StateBadge } from '../components/RequireStaff';
import {
  Button,
  Card,
  ConfirmButton,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  Notice,
  PageTitle,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/users_/$userId')({
  component: () => <RequireStaff>{(me) => <UserPage canWrite={me.role === 'admin'} />}</RequireStaff>,
});

function UserPage({ canWrite }: { canWrite: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = Number(Route.useParams().userId);
  const q = useQuery({
    queryKey: ['admin', 'user', id],
    queryFn: () => unwrap(adminApi.GET('/api/admin/users/{id}', { params: { path: { id } } })),
  });
  if (q.isPending) return <Loading label={t('common.loading')} />;
  if (q.isError) return <ErrorMessage>{errorText(q.error)}</ErrorMessage>;
  const d = q.data;
  const u = d.user;
  return (
    <div className="space-y-4">
      <PageTitle>{u.username}</PageTitle>
      <Card>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-3">
          <Fact label={t('admin.user.balance')}>
            <span className="text-lg font-bold">{f.money(u.balance, d.currency)}</span>
          </Fact>
          <Fact label={t('admin.user.state')}>
            <StateBadge state={u.state} />
          </Fact>
          <Fact label={t('admin.user.role')}>{t(`admin.role.${u.role}`)}</Fact>
          <Fact label={t('admin.user.email')} wide>
            <span className="break-all">{u.email ?? '—'}</span>
          </Fact>
          <Fact label={t('admin.user.orders')}>{f.count(d.orders)}</Fact>
          <Fact label={t('admin.user.sessions')}>{f.count(d.sessions)}</Fact>
          <Fact label={t('admin.staff.twoFactor')}>
            {t(u.twoFactor ? 'admin.staff.twoFactorOn' : 'admin.staff.twoFactorNone')}
          </Fact>
          <Fact label={t('admin.user.since')}>{f.dateTime(u.createdAt)}</Fact>
        </dl>
        {canWrite && (
          <p className="mt-3 text-sm">
            <Link
              to="/admin/audit"
              search={{ subject: `user:${u.id}` }}
              className="text-indigo-700 underline"
            >
              {t('admin.user.history')}
            </Link>
          </p>
        )}
      </Card>
      {canWrite && <FundsForm user={u} currency={d.currency} />}
      {canWrite && <AccountActions user={u} />}
      {canWrite && <StaffActions key={`${u.id}-${u.role}`} user={u} />}
      <RecentOrders orders={d.recentOrders} />
      <UserRates userId={u.id} canWrite={canWrite} currency={d.currency} />
      <UserFunds userId={u.id} />
      <UserTickets userId={u.id} />
      <UserSessions userId={u.id} />
    </div>
  );
}

function Fact({ label, wide, children }: { label: string; wide?: boolean; children: React.ReactNode }) {
  return (
    <div className={`min-w-0 ${wide ? 'col-span-2 sm:col-span-1' : ''}`}>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function useRefresh(id: number) {
  const qc = useQueryClient();
  return async () => {
    await qc.invalidateQueries({ queryKey: ['admin'] });
    await qc.invalidateQueries({ queryKey: ['admin', 'user', id] });
  };
}

function FundsForm({ user, currency }: { user: AdminSchemas['AdminStaffUser']; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const refresh = useRefresh(user.id);
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState(false);
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/users/{id}/funds', {
          params: { path: { id: user.id } },
          body: { amount: amount.trim(), ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      ),
    onSuccess: async () => {
      setAmount('');
      setNote('');
      await refresh();
    },
  });
  const typed = amount.trim();
  const deduct = typed.startsWith('-');
  return (
    <Card>
      <h2 className="mb-2 font-semibold">{t('admin.funds.title')}</h2>
      <form
        className="space-y-3 sm:max-w-md"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed) setAsking(true);
        }}
      >
        <Field label={t('admin.funds.amount', { currency })} hint={t('admin.funds.amountHint')}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              className={inputClass}
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              onChange={(e) => {
                setAmount(e.target.value);
                setAsking(false);
                send.reset();
              }}
            />
          )}
        </Field>
        <Field label={t('admin.funds.note')} hint={t('admin.funds.noteHint')}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              className={inputClass}
              maxLength={500}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          )}
        </Field>
        {!asking && (
          <Button type="submit" disabled={!typed || send.isPending}>
            {t('admin.funds.review')}
          </Button>
        )}
      </form>
      {asking && (
        <fieldset className="mt-3 space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3">
          <legend className="px-1 text-sm font-semibold">
            {deduct
              ? t('admin.funds.confirmDeduct', { amount: typed.slice(1), currency, user: user.username })
              : t('admin.funds.confirmAdd', { amount: typed, currency, user: user.username })}
          </legend>
          <div className="flex flex-wrap gap-2">
            <Button
              disabled={send.isPending}
              onClick={() => {
                setAsking(false);
                send.mutate();
              }}
            >
              {deduct ? t('admin.funds.doDeduct') : t('admin.funds.doAdd')}
            </Button>
            <Button variant="secondary" onClick={() => setAsking(false)}>
              {t('common.no')}
            </Button>
          </div>
        </fieldset>
      )}
      <div className="mt-3 space-y-2">
        {send.isError && <ErrorMessage>{errorText(send.error)}</ErrorMessage>}
        {send.data && (
          <Notice>
            {t('admin.funds.done', { balance: f.money(send.data.balance, send.data.currency) })}
          </Notice>
        )}
      </div>
    </Card>
  );
}

function AccountActions({ user }: { user: AdminSchemas['AdminStaffUser'] }) {
  const { t } = useTranslation();
  const refresh = useRefresh(user.id);
  const params = { path: { id: user.id } };
  const toggle = useMutation({
    mutationFn: () =>
      unwrap(
        user.state === 'active'
          ? adminApi.POST('/api/admin/users/{id}/disable', { params })
          : adminApi.POST('/api/admin/users/{id}/enable', { params }),
      ),
    onSuccess: refresh,
  });
  const password = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/users/{id}/password', { params })),
    onSuccess: refresh,
  });
  return (
    <Card className="space-y-4">
      <h2 className="font-semibold">{t('admin.user.account')}</h2>
      <div className="space-y-2">
        <p className="text-sm text-slate-600">
          {user.state === 'active' ? t('admin.user.disableHelp') : t('admin.user.enableHelp')}
        </p>
        {user.state === 'active' ? (
          <ConfirmButton
            label={t('admin.user.disable')}
            question={t('admin.user.disableAsk', { user: user.username })}
            confirmLabel={t('admin.user.disableYes')}
            disabled={toggle.isPending}
            onConfirm={() => toggle.mutate()}
          />
        ) : (
          <Button variant="secondary" disabled={toggle.isPending} onClick={() => toggle.mutate()}>
            {t('admin.user.enable')}
          </Button>
        )}
        {toggle.isError && <ErrorMessage>{errorText(toggle.error)}</ErrorMessage>}
      </div>
      <div className="space-y-2">
        <p className="text-sm text-slate-600">{t('admin.user.passwordHelp')}</p>
        <ConfirmButton
          label={t('admin.user.password')}
          variant="secondary"
          question={t('admin.user.passwordAsk', { user: user.username })}
          confirmLabel={t('admin.user.passwordYes')}
          disabled={password.isPending}
          onConfirm={() => password.mutate()}
        />
        {password.isError && <ErrorMessage>{errorText(password.error)}</ErrorMessage>}
        {password.data && (
          <div className="space-y-2">
            <Notice>{t('admin.user.passwordShownOnce')}</Notice>
            <p>
              <span className="sr-only">{t('admin.user.newPassword')}: </span>
              <code className="block select-all break-all rounded bg-slate-100 p-2 font-mono text-base">
                {password.data.password}
              </code>
            </p>
          </div>
        )}
      </div>
    </Card>
  );
}

function RecentOrders({ orders }: { orders: AdminSchemas['AdminUserOrder'][] }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.user.recentOrders')}</h2>
      {orders.length === 0 ? (
        <Empty>{t('admin.user.noOrders')}</Empty>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {orders.map((o) => (
            <li key={o.id} className="flex items-start justify-between gap-3 p-3 text-sm">
              <div className="min-w-0">
                <p className="truncate font-medium">
                  {t('orders.number', { id: o.id })} · {o.service}
                </p>
                <p className="text-xs text-slate-500">
                  <time dateTime={o.createdAt}>{f.dateTime(o.createdAt)}</time> · {f.count(o.quantity)}
                </p>
              </div>
              <div className="shrink-0 text-right">
                <p className="font-semibold">{f.decimal(o.charge)}</p>
                <p className="text-xs text-slate-500">
                  {t(`status.${o.status}`, { defaultValue: o.status })}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
