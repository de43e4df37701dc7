/** Sign in and sign up: the same two fields (sign-up adds an optional e-mail), a different endpoint. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, errorText, type Schemas, unwrap } from '../api';
import { meKey, usePanel } from '../session';
import { Button, Card, ErrorMessage, Field, inputClass, PasswordField } from './ui';

/** `service`: the visitor came from a service's Order button; they go on to order it. */
export function AuthForm({ mode, service }: { mode: 'sign-in' | 'sign-up'; service?: number | undefined }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const panel = usePanel();
  /** Two-factor sign-in on: the password step answered this token; the code step takes it. */
  const [pending, setPending] = useState<string | null>(null);
  const signedIn = async (me: Schemas['Me']) => {
    // A /me asked before the session existed may still be on its way; its "nobody" answer must not
    // land after this one and send the customer back to sign in.
    await qc.cancelQueries({ queryKey: meKey });
    qc.setQueryData(meKey, me);
    if (service !== undefined) await navigate({ to: '/new', search: { service } });
    else await navigate({ to: mode === 'sign-in' ? '/new' : '/services' });
  };
  const submit = useMutation({
    mutationFn: () =>
      unwrap(
        mode === 'sign-in'
          ? api.POST('/api/web/auth/sign-in', { body: { username, password } })
          : api.POST('/api/web/auth/sign-up', {
              body: { username, password, ...(email.trim() ? { email } : {}) },
            }),
      ),
    onSuccess: async (answer) => {
      if ('token' in answer) {
        setPassword('');
        setPending(answer.token);
        return;
      }
      await signedIn(answer);
    },
  });
  const closed = mode === 'sign-up' && panel.data && !panel.data.signupOpen;

  return (
    <div className="mx-auto max-w-sm py-4">
      <Card>
        <h1 className="mb-4 text-xl font-bold">
          {t(mode === 'sign-in' ? 'auth.signInTitle' : 'auth.signUpTitle')}
        </h1>
        {pending !== null ? (
          <CodeStep
            token={pending}
            onDone={signedIn}
            onRestart={() => {
              setPending(null);
              submit.reset();
            }}
          />
        ) : closed ? (
          <ErrorMessage>{t('auth.signupClosed')}</ErrorMessage>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (!submit.isPending) submit.mutate();
            }}
          >
            <Field label={t('auth.username')} hint={mode === 'sign-up' ? t('auth.usernameHint') : undefined}>
              {(id, d) => (
                <input
                  id={id}
                  aria-describedby={d}
                  className={inputClass}
                  autoComplete="username"
                  autoCapitalize="none"
                  required
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                />
              )}
            </Field>
            <PasswordField
              label={t('auth.password')}
              hint={mode === 'sign-up' ? t('auth.passwordHint') : undefined}
              autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
              value={password}
              onChange={setPassword}
            />
            {mode === 'sign-up' && (
              <Field label={t('auth.email')} hint={t('auth.emailHint')}>
                {(id, d) => (
                  <input
                    id={id}
                    aria-describedby={d}
                    type="email"
                    className={inputClass}
                    autoComplete="email"
                    autoCapitalize="none"
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                  />
                )}
              </Field>
            )}
            <ErrorMessage>{errorText(submit.error)}</ErrorMessage>
            <Button type="submit" className="w-full" disabled={submit.isPending}>
              {t(submit.isPending ? 'common.wait' : mode === 'sign-in' ? 'auth.signIn' : 'auth.signUp')}
            </Button>
            {mode === 'sign-in' && (
              <p className="text-center text-sm">
                <Link to="/forgot-password" className="text-indigo-700 underline">
                  {t('auth.forgot')}
                </Link>
              </p>
            )}
          </form>
        )}
        <p className="mt-4 text-center text-sm">
          {mode === 'sign-in' ? (
            panel.data?.signupOpen !== false && (
              <Link to="/sign-up" search={service ? { service } : {}} className="text-indigo-700 underline">
                {t('auth.toSignUp')}
              </Link>
            )
          ) : (
            <Link to="/sign-in" search={service ? { service } : {}} className="text-indigo-700 underline">
              {t('auth.toSignIn')}
            </Link>
          )}
        </p>
      </Card>
    </div>
  );
}

/**
 * The second sign-in step with two-factor on: the 6-digit code from the app, or (switch) one of the
 * recovery codes. An expired or used-up step goes back to the password.
 */
function CodeStep(props: {
  token: string;
  onDone: (me: Schemas['Me']) => Promise<void>;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/web/auth/two-factor', {
          body: recovery ? { token: props.token, recoveryCode: code } : { token: props.token, code },
        }),
      ),
    onSuccess: props.onDone,
    onError: () => setCode(''),
  });
  const expired = send.error instanceof ApiError && send.error.code === 'invalid_two_factor_token';
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (!send.isPending && code.trim()) send.mutate();
      }}
    >
      <p className="text-sm text-slate-700">
        {t(recovery ? 'twoFactor.recoveryPrompt' : 'twoFactor.codePrompt')}
      </p>
      <Field label={t(recovery ? 'twoFactor.recoveryCode' : 'twoFactor.code')}>
        {(id) => (
          <input
            id={id}
            className={`${inputClass} font-mono tracking-widest`}
            autoComplete="one-time-code"
            inputMode={recovery ? 'text' : 'numeric'}
            autoCapitalize="none"
            maxLength={recovery ? 40 : 7}
            // biome-ignore lint/a11y/noAutofocus: the one field of this step, just revealed
            autoFocus
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        )}
      </Field>
      <ErrorMessage>{errorText(send.error)}</ErrorMessage>
      {expired ? (
        <Button className="w-full" onClick={props.onRestart}>
          {t('twoFactor.again')}
        </Button>
      ) : (
        <Button type="submit" className="w-full" disabled={send.isPending}>
          {t(send.isPending ? 'common.wait' : 'twoFactor.verify')}
        </Button>
      )}
      <Button
        variant="secondary"
        className="w-full"
        onClick={() => {
          setRecovery(!recovery);
          setCode('');
          send.reset();
        }}
      >
        {t(recovery ? 'twoFactor.useApp' : 'twoFactor.useRecovery')}
      </Button>
    </form>
  );
}
