/**
 * Forgot password: the customer types a username or e-mail and the panel mails a reset link. The
 * answer is the same whether or not the account exists. Without mail set up on the panel, the page
 * says to ask the operator instead.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, errorText, unwrap } from '../api';
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Notice } from '../components/ui';

export const Route = createFileRoute('/forgot-password')({ component: ForgotPassword });

function ForgotPassword() {
  const { t } = useTranslation();
  const [login, setLogin] = useState('');
  const panel = useQuery({ queryKey: ['panel'], queryFn: () => unwrap(api.GET('/api/web/panel')) });
  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/auth/forgot-password', { body: { login } })),
  });
  const unavailable =
    panel.data?.passwordResetByMail === false ||
    (send.error instanceof ApiError && send.error.code === 'reset_unavailable');

  return (
    <div className="mx-auto max-w-sm py-4">
      <Card>
        <h1 className="mb-4 text-xl font-bold">{t('reset.forgotTitle')}</h1>
        {panel.isPending ? (
          <Loading label={t('common.loading')} />
        ) : unavailable ? (
          <div className="space-y-3">
            <p className="text-sm text-slate-600">{t('reset.noMailHelp')}</p>
            <Notice>{t('reset.askOperator')}</Notice>
          </div>
        ) : send.isSuccess ? (
          <Notice>{t('reset.sent')}</Notice>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (!send.isPending) send.mutate();
            }}
          >
            <p className="text-sm text-slate-600">{t('reset.forgotHelp')}</p>
            <Field label={t('reset.login')}>
              {(id) => (
                <input
                  id={id}
                  className={inputClass}
                  autoComplete="username"
                  autoCapitalize="none"
                  required
                  value={login}
                  onChange={(e) => setLogin(e.target.value)}
                />
              )}
            </Field>
            <ErrorMessage>{errorText(send.error)}</ErrorMessage>
            <Button type="submit" className="w-full" disabled={send.isPending}>
              {t(send.isPending ? 'common.wait' : 'reset.send')}
            </Button>
          </form>
        )}
        <p className="mt-4 text-center text-sm">
          <Link to="/sign-in" className="text-indigo-700 underline">
            {t('reset.back')}
          </Link>
        </p>
      </Card>
    </div>
  );
}
