import { createFileRoute, Navigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { Loading } from '../components/ui';
import { useMe } from '../session';

export const Route = createFileRoute('/')({ component: Home });

function Home() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading label={t('common.loading')} />;
  return <Navigate to={me.data ? '/new' : '/sign-in'} />;
}
