/**
 * The page a reset mail links to (`/reset-password?token=…`): the new password twice, then sign in.
 * The token is checked by the server when the form is sent (used, expired or wrong: one message).
 */
import { useMutation } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, errorText, unwrap } from '../api';
import { Button, Card, ErrorMessage, Notice, PasswordField } from '../components/ui';

export const Route = createFileRoute('/reset-password')({
  validateSearch: (s: Record<string, unknown>): { token?: string } =>
    typeof s.token === 'string' && s.token.length > 0 ? { token: s.token } : {},
  component: ResetPassword,
});

function ResetPassword() {
  const { t } = useTranslation();
  const { token } = Route.useSearch();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/web/auth/reset-password', { body: { token: token ?? '', newPassword: password } }),
      ),
  });
  const deadLink = save.error instanceof ApiError && save.error.code === 'invalid_reset_token';

  return (
    <div className="mx-auto max-w-sm py-4">
      <Card>
        <h1 className="mb-4 text-xl font-bold">{t('reset.resetTitle')}</h1>
        {!token ? (
          <ErrorMessage>{t('reset.noToken')}</ErrorMessage>
        ) : save.isSuccess ? (
          <div className="space-y-4">
            <Notice>{t('reset.done')}</Notice>
            <Link
              to="/sign-in"
              className="inline-flex min-h-11 w-full items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              {t('reset.toSignIn')}
            </Link>
          </div>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const differ = password !== repeat;
              setMismatch(differ);
              if (!differ && !save.isPending) save.mutate();
            }}
          >
            <PasswordField
              label={t('reset.newPassword')}
              hint={t('auth.passwordHint')}
              autoComplete="new-password"
              value={password}
              onChange={setPassword}
            />
            <PasswordField
              label={t('reset.repeat')}
              autoComplete="new-password"
              value={repeat}
              onChange={setRepeat}
            />
            <ErrorMessage>{mismatch ? t('reset.mismatch') : errorText(save.error)}</ErrorMessage>
            <Button type="submit" className="w-full" disabled={save.isPending}>
              {t(save.isPending ? 'common.wait' : 'reset.save')}
            </Button>
          </form>
        )}
        {(!token || deadLink) && (
          <p className="mt-4 text-center text-sm">
            <Link to="/forgot-password" className="text-indigo-700 underline">
              {t('reset.askAgain')}
            </Link>
          </p>
        )}
      </Card>
    </div>
  );
}
