import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { TwoFactorCard } from '../components/TwoFactorCard';
import {
  Button,
  Card,
  ConfirmButton,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  Notice,
  PageTitle,
  PasswordField,
} from '../components/ui';
import { meKey } from '../session';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/account')({
  component: () => <RequireUser>{(me) => <Account username={me.username} email={me.email} />}</RequireUser>,
});

function Account({ username, email }: { username: string; email: string | null }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [copied, setCopied] = useState(false);
  const key = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/account/api-key')),
    onSuccess: () => setCopied(false),
  });
  const password = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/web/account/password', { body: { currentPassword: current, newPassword: next } }),
      ),
    onSuccess: () => {
      setCurrent('');
      setNext('');
    },
  });
  const [emailPassword, setEmailPassword] = useState('');
  const [newEmail, setNewEmail] = useState('');
  const emailChange = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/web/account/email', { body: { currentPassword: emailPassword, email: newEmail } }),
      ),
    onSuccess: async () => {
      setEmailPassword('');
      setNewEmail('');
      await qc.invalidateQueries({ queryKey: meKey });
    },
  });
  const everywhere = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/auth/sign-out-everywhere')),
    onSuccess: async () => {
      qc.clear();
      await navigate({ to: '/sign-in' });
    },
  });

  return (
    <div className="mx-auto max-w-xl space-y-4">
      <PageTitle>{t('account.title', { username })}</PageTitle>
      <Card>
        <h2 className="mb-2 font-semibold">{t('account.apiKey')}</h2>
        <p className="mb-3 text-sm text-slate-600">
          {t('account.apiKeyHelp', { url: `${location.origin}/api/v2` })}
        </p>
        {key.data && (
          <div className="mb-3 space-y-2">
            <Notice>{t('account.keyShownOnce')}</Notice>
            <Field label={t('account.newKey')}>
              {(id) => (
                <textarea
                  id={id}
                  readOnly
                  rows={2}
                  className={`${inputClass} break-all font-mono text-sm`}
                  value={key.data.apiKey}
                  onFocus={(e) => e.target.select()}
                />
              )}
            </Field>
            <Button
              variant="secondary"
              onClick={() => void navigator.clipboard?.writeText(key.data.apiKey).then(() => setCopied(true))}
            >
              {t(copied ? 'account.copied' : 'account.copy')}
            </Button>
          </div>
        )}
        <ErrorMessage>{errorText(key.error)}</ErrorMessage>
        <ConfirmButton
          variant="secondary"
          label={t('account.rotateKey')}
          question={t('account.rotateConfirm')}
          confirmLabel={t('account.rotateYes')}
          disabled={key.isPending}
          onConfirm={() => key.mutate()}
        />
      </Card>
      <Card>
        <h2 className="mb-2 font-semibold">{t('account.password')}</h2>
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!password.isPending) password.mutate();
          }}
        >
          <PasswordField
            label={t('account.currentPassword')}
            autoComplete="current-password"
            value={current}
            onChange={setCurrent}
          />
          <PasswordField
            label={t('account.newPassword')}
            hint={t('auth.passwordHint')}
            autoComplete="new-password"
            value={next}
            onChange={setNext}
          />
          {password.data && (
            <Notice>{t('account.passwordChanged', { count: password.data.endedSessions })}</Notice>
          )}
          <ErrorMessage>{errorText(password.error)}</ErrorMessage>
          <Button type="submit" disabled={password.isPending}>
            {t('account.changePassword')}
          </Button>
        </form>
      </Card>
      <TwoFactorCard />
      <Card>
        <h2 className="mb-2 font-semibold">{t('account.email')}</h2>
        <p className="mb-1 text-sm text-slate-600">{t('account.emailHelp')}</p>
        <p className="mb-3 break-all text-sm font-medium">
          {email ? t('account.emailNow', { email }) : t('account.emailNone')}
        </p>
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!emailChange.isPending) emailChange.mutate();
          }}
        >
          <Field label={t('account.newEmail')}>
            {(id) => (
              <input
                id={id}
                type="email"
                autoComplete="email"
                autoCapitalize="none"
                className={inputClass}
                value={newEmail}
                onChange={(e) => setNewEmail(e.target.value)}
              />
            )}
          </Field>
          <PasswordField
            label={t('account.currentPassword')}
            autoComplete="current-password"
            value={emailPassword}
            onChange={setEmailPassword}
          />
          {emailChange.data && (
            <Notice>{t(emailChange.data.email ? 'account.emailSaved' : 'account.emailRemoved')}</Notice>
          )}
          <ErrorMessage>{errorText(emailChange.error)}</ErrorMessage>
          <Button type="submit" disabled={emailChange.isPending}>
            {t('account.saveEmail')}
          </Button>
        </form>
      </Card>
      <Sessions />
      <Card>
        <h2 className="mb-2 font-semibold">{t('account.everywhere')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('account.sessionsHelp')}</p>
        <ErrorMessage>{errorText(everywhere.error)}</ErrorMessage>
        <ConfirmButton
          label={t('account.signOutEverywhere')}
          question={t('account.everywhereConfirm')}
          confirmLabel={t('account.everywhereYes')}
          disabled={everywhere.isPending}
          onConfirm={() => everywhere.mutate()}
        />
      </Card>
    </div>
  );
}

/** Where this account is signed in; any other session can be ended (a lost phone, a shared computer). */
function Sessions() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['sessions'],
    queryFn: () => unwrap(api.GET('/api/web/account/sessions')),
  });
  return (
    <Card>
      <h2 className="mb-2 font-semibold">{t('account.sessions')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        <ul className="divide-y divide-slate-200" aria-label={t('account.sessions')}>
          {q.data.sessions.map((s) => (
            <SessionRow key={s.id} session={s} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function SessionRow({ session: s }: { session: Schemas['WebSession'] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const device = s.device ?? t('account.unknownDevice');
  const end = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/web/account/sessions/{id}/end', { params: { path: { id: s.id } } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['sessions'] }),
  });
  return (
    <li className="flex flex-wrap items-center justify-between gap-2 py-2">
      <div className="min-w-0">
        <p className="font-medium">
          {device}
          {s.current && (
            <span className="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-semibold text-emerald-800">
              {t('account.thisDevice')}
            </span>
          )}
        </p>
        <p className="text-xs text-slate-500">
          {t('account.lastSeen')} <time dateTime={s.lastSeenAt}>{f.dateTime(s.lastSeenAt)}</time>
          {s.ip ? ` · ${s.ip}` : ''}
        </p>
        <ErrorMessage>{errorText(end.error)}</ErrorMessage>
      </div>
      {!s.current && (
        <Button
          variant="secondary"
          disabled={end.isPending}
          onClick={() => end.mutate()}
          aria-label={t('account.endSession', { device })}
        >
          {t('account.end')}
        </Button>
      )}
    </li>
  );
}
