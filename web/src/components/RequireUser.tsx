/** A page for signed-in customers: shows sign-in when nobody is, and loading meanwhile. */
import { Navigate } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, type Schemas } from '../api';
import { useMe } from '../session';
import { ErrorMessage, Loading } from './ui';

export function RequireUser({ children }: { children: (me: Schemas['Me']) => ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading label={t('common.loading')} />;
  if (me.isError) return <ErrorMessage>{errorText(me.error)}</ErrorMessage>;
  if (!me.data) return <Navigate to="/sign-in" />;
  return <>{children(me.data)}</>;
}
