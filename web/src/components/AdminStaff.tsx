/**
 * The admin area's staff and account management: a new account (admins), and on a user's page the
 * role (with a confirm), a new API key (shown once), turning off two-factor sign-in, custom rates,
 * and the read-only lists support sees too: funds history in pages, tickets, sessions.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
import { useFormat } from '../use-format';
import { FundsEntryList } from './FundsEntryList';
import { KeysetPager, useKeysetPages } from './Pager';
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
  TextField,
} from './ui';

type Role = AdminSchemas['AdminStaffUser']['role'];
const ROLES: Role[] = ['customer', 'support', 'admin'];

function RoleSelect(props: { label: string; value: Role; onChange: (r: Role) => void }) {
  const { t } = useTranslation();
  return (
    <Field label={props.label}>
      {(id) => (
        <select
          id={id}
          className={`${inputClass} min-h-11`}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value as Role)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`admin.role.${r}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A secret shown once (a password, an API key), selectable in one tap. */
function ShownOnce({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <p className="text-xs text-slate-500">{label}</p>
      <code
        data-testid="shown-once"
        className="block select-all break-all rounded bg-slate-100 p-2 font-mono text-base"
      >
        {value}
      </code>
    </div>
  );
}

/** /admin/users: "New account" (admins). */
export function NewAccount() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('customer');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/users', {
          body: {
            username: username.trim(),
            role,
            ...(password ? { password } : {}),
            ...(email.trim() ? { email: email.trim() } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      setUsername('');
      setPassword('');
      setEmail('');
      setRole('customer');
      await qc.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  if (!open && !create.data)
    return (
      <Button className="mb-4" onClick={() => setOpen(true)}>
        {t('admin.staff.newAccount')}
      </Button>
    );
  return (
    <Card className="mb-4 space-y-3 sm:max-w-lg">
      <h2 className="font-semibold">{t('admin.staff.newAccount')}</h2>
      {create.data ? (
        <div className="space-y-3">
          <Notice>
            {t('admin.staff.created', {
              user: create.data.username,
              role: t(`admin.role.${create.data.role}`),
            })}
          </Notice>
          {create.data.password && (
            <ShownOnce label={t('admin.staff.password')} value={create.data.password} />
          )}
          <ShownOnce label={t('admin.staff.apiKey')} value={create.data.apiKey} />
          <p className="text-sm">{t('admin.staff.shownOnce')}</p>
          <div className="flex flex-wrap gap-2">
            <Link
              to="/admin/users/$userId"
              params={{ userId: String(create.data.id) }}
              className="inline-flex min-h-11 items-center font-semibold text-indigo-700 underline"
            >
              {t('admin.staff.openUser')}
            </Link>
            <Button
              variant="secondary"
              onClick={() => {
                create.reset();
                setOpen(false);
              }}
            >
              {t('admin.staff.done')}
            </Button>
          </div>
        </div>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!create.isPending) create.mutate();
          }}
        >
          <TextField
            label={t('auth.username')}
            hint={t('auth.usernameHint')}
            autoComplete="off"
            autoCapitalize="none"
            required
            maxLength={64}
            value={username}
            onChange={setUsername}
          />
          <RoleSelect label={t('admin.user.role')} value={role} onChange={setRole} />
          <TextField
            label={t('admin.staff.passwordOptional')}
            hint={t('admin.staff.passwordHint')}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
          />
          <TextField
            label={t('auth.email')}
            type="email"
            autoComplete="off"
            autoCapitalize="none"
            value={email}
            onChange={setEmail}
          />
          <ErrorMessage>{errorText(create.error)}</ErrorMessage>
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={create.isPending}>
              {t('admin.staff.create')}
            </Button>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {t('twoFactor.cancel')}
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}

function useRefreshUser() {
  const qc = useQueryClient();
  return async () => {
    await qc.invalidateQueries({ queryKey: ['admin'] });
  };
}

/** The user page's staff actions (admins): role, API key, two-factor reset. */
export function StaffActions({ user }: { user: AdminSchemas['AdminStaffUser'] }) {
  const { t } = useTranslation();
  const refresh = useRefreshUser();
  const params = { path: { id: user.id } };
  const [role, setRole] = useState<Role>(user.role);
  const [asking, setAsking] = useState(false);
  const setRoleM = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/users/{id}/role', { params, body: { role } })),
    onSuccess: refresh,
  });
  const key = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/users/{id}/api-key', { params })),
  });
  const reset = useMutation({
    mutationFn: () => unwrap(adminApi.POST('/api/admin/users/{id}/two-factor/reset', { params, body: {} })),
    onSuccess: refresh,
  });
  return (
    <Card className="space-y-5">
      <h2 className="font-semibold">{t('admin.staff.access')}</h2>
      <form
        className="space-y-2 sm:max-w-md"
        onSubmit={(e) => {
          e.preventDefault();
          if (role !== user.role) setAsking(true);
        }}
      >
        <RoleSelect
          label={t('admin.user.role')}
          value={role}
          onChange={(r) => {
            setRole(r);
            setAsking(false);
            setRoleM.reset();
          }}
        />
        <p className="text-xs text-slate-500">{t('admin.staff.roleHelp')}</p>
        {asking ? (
          <fieldset className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3">
            <legend className="px-1 text-sm font-semibold">
              {t('admin.staff.roleAsk', { user: user.username, role: t(`admin.role.${role}`) })}
            </legend>
            <div className="flex flex-wrap gap-2">
              <Button
                disabled={setRoleM.isPending}
                onClick={() => {
                  setAsking(false);
                  setRoleM.mutate();
                }}
              >
                {t('admin.staff.roleYes')}
              </Button>
              <Button variant="secondary" onClick={() => setAsking(false)}>
                {t('common.no')}
              </Button>
            </div>
          </fieldset>
        ) : (
          <Button type="submit" variant="secondary" disabled={role === user.role || setRoleM.isPending}>
            {t('admin.staff.changeRole')}
          </Button>
        )}
        {setRoleM.isError && <ErrorMessage>{errorText(setRoleM.error)}</ErrorMessage>}
        {setRoleM.data && (
          <Notice>{t('admin.staff.roleDone', { role: t(`admin.role.${setRoleM.data.to}`) })}</Notice>
        )}
      </form>
      <div className="space-y-2">
        <p className="text-sm text-slate-600">{t('admin.staff.keyHelp')}</p>
        <ConfirmButton
          variant="secondary"
          label={t('admin.staff.rotateKey')}
          question={t('admin.staff.rotateAsk', { user: user.username })}
          confirmLabel={t('admin.staff.rotateYes')}
          disabled={key.isPending}
          onConfirm={() => key.mutate()}
        />
        {key.isError && <ErrorMessage>{errorText(key.error)}</ErrorMessage>}
        {key.data && (
          <>
            <Notice>{t('admin.staff.keyShownOnce')}</Notice>
            <ShownOnce label={t('admin.staff.apiKey')} value={key.data.apiKey} />
          </>
        )}
      </div>
      {user.twoFactor && (
        <div className="space-y-2">
          <p className="text-sm text-slate-600">{t('admin.staff.twoFactorHelp')}</p>
          <ConfirmButton
            variant="secondary"
            label={t('admin.staff.twoFactorOff')}
            question={t('admin.staff.twoFactorAsk', { user: user.username })}
            confirmLabel={t('admin.staff.twoFactorYes')}
            disabled={reset.isPending}
            onConfirm={() => reset.mutate()}
          />
          {reset.isError && <ErrorMessage>{errorText(reset.error)}</ErrorMessage>}
        </div>
      )}
      {reset.data && <Notice>{t('admin.staff.twoFactorDone')}</Notice>}
    </Card>
  );
}

/** The user's own rates; admins set and clear them. */
export function UserRates({
  userId,
  canWrite,
  currency,
}: {
  userId: number;
  canWrite: boolean;
  currency: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const key = ['admin', 'user', userId, 'rates'];
  const params = { path: { id: userId } };
  const q = useQuery({
    queryKey: key,
    queryFn: () => unwrap(adminApi.GET('/api/admin/users/{id}/rates', { params })),
  });
  const [service, setService] = useState('');
  const [rate, setRate] = useState('');
  const set = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/users/{id}/rates', {
          params,
          body: { service: Number(service), rate: rate.trim() },
        }),
      ),
    onSuccess: (r) => {
      setService('');
      setRate('');
      qc.setQueryData(key, r);
    },
  });
  const clear = useMutation({
    mutationFn: (s: number) =>
      unwrap(
        adminApi.POST('/api/admin/users/{id}/rates/{service}/clear', {
          params: { path: { id: userId, service: s } },
        }),
      ),
    onSuccess: (r) => qc.setQueryData(key, r),
  });
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.staff.rates')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data &&
        (q.data.rates.length === 0 ? (
          <Empty>{t('admin.staff.noRates')}</Empty>
        ) : (
          <ul
            aria-label={t('admin.staff.rates')}
            className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white"
          >
            {q.data.rates.map((r) => (
              <li key={r.service} className="flex flex-wrap items-center justify-between gap-2 p-3 text-sm">
                <div className="min-w-0">
                  <p className="font-medium">
                    #{r.service} · {r.name}
                  </p>
                  <p className="text-xs text-slate-500">
                    {t('admin.staff.listRate', { rate: f.money(r.serviceRate, currency) })}
                  </p>
                </div>
                <div className="flex items-center gap-2">
                  <span className="font-semibold">{f.money(r.rate, currency)}</span>
                  {canWrite && (
                    <Button
                      variant="secondary"
                      disabled={clear.isPending}
                      aria-label={t('admin.staff.clearRateFor', { service: r.service })}
                      onClick={() => clear.mutate(r.service)}
                    >
                      {t('admin.staff.clearRate')}
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        ))}
      {clear.isError && <ErrorMessage>{errorText(clear.error)}</ErrorMessage>}
      {canWrite && (
        <form
          className="mt-3 grid grid-cols-2 items-end gap-2 sm:max-w-md"
          onSubmit={(e) => {
            e.preventDefault();
            if (!set.isPending) set.mutate();
          }}
        >
          <TextField
            label={t('admin.staff.serviceId')}
            inputMode="numeric"
            autoComplete="off"
            required
            value={service}
            onChange={setService}
          />
          <TextField
            label={t('admin.staff.ratePer1000', { currency })}
            inputMode="decimal"
            autoComplete="off"
            required
            value={rate}
            onChange={setRate}
          />
          <Button type="submit" className="col-span-2" disabled={set.isPending}>
            {t('admin.staff.setRate')}
          </Button>
          <div className="col-span-2">
            <ErrorMessage>{errorText(set.error)}</ErrorMessage>
          </div>
        </form>
      )}
    </section>
  );
}

/** The whole funds history, a page at a time (newest first). */
export function UserFunds({ userId }: { userId: number }) {
  const { t } = useTranslation();
  const pages = useKeysetPages();
  const before = pages.before;
  const q = useQuery({
    queryKey: ['admin', 'user', userId, 'funds', before],
    queryFn: () =>
      unwrap(
        adminApi.GET('/api/admin/users/{id}/funds', {
          params: { path: { id: userId }, query: { limit: 20, ...(before ? { before } : {}) } },
        }),
      ),
  });
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.staff.funds')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && <FundsEntryList entries={q.data.entries as never} />}
      {q.data && <KeysetPager pages={pages} nextBefore={q.data.nextBefore} />}
    </section>
  );
}

export function UserTickets({ userId }: { userId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useQuery({
    queryKey: ['admin', 'user', userId, 'tickets'],
    queryFn: () =>
      unwrap(adminApi.GET('/api/admin/users/{id}/tickets', { params: { path: { id: userId } } })),
  });
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.staff.tickets')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data &&
        (q.data.tickets.length === 0 ? (
          <Empty>{t('admin.staff.noTickets')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {q.data.tickets.map((tk) => (
              <li key={tk.id}>
                <a
                  href={`/admin/tickets/${tk.id}`}
                  className="flex min-h-11 items-center justify-between gap-3 p-3 text-sm hover:bg-slate-50"
                >
                  <span className="font-medium text-indigo-700">
                    {t('admin.staff.ticket', { id: tk.id })} ·{' '}
                    {t(`tickets.subjects.${tk.subject}`, { defaultValue: tk.subject })}
                  </span>
                  <span className="shrink-0 text-xs text-slate-500">
                    {t(`tickets.states.${tk.state}`, { defaultValue: tk.state })} ·{' '}
                    <time dateTime={tk.updatedAt}>{f.dateTime(tk.updatedAt)}</time>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

export function UserSessions({ userId }: { userId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useQuery({
    queryKey: ['admin', 'user', userId, 'sessions'],
    queryFn: () =>
      unwrap(adminApi.GET('/api/admin/users/{id}/sessions', { params: { path: { id: userId } } })),
  });
  return (
    <section>
      <h2 className="mb-2 font-semibold">{t('admin.staff.sessions')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data &&
        (q.data.sessions.length === 0 ? (
          <Empty>{t('admin.staff.noSessions')}</Empty>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {q.data.sessions.map((s) => (
              <li key={s.id} className="p-3 text-sm">
                <p className="font-medium">{s.device ?? t('account.unknownDevice')}</p>
                <p className="text-xs text-slate-500">
                  {t('account.lastSeen')} <time dateTime={s.lastSeenAt}>{f.dateTime(s.lastSeenAt)}</time>
                  {s.ip ? ` · ${s.ip}` : ''}
                </p>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
