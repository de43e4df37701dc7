/** What the admin services pages share: the catalogue query and the notice for support. */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { adminApi } from './admin-api';
import { unwrap } from './api';
import { Empty } from './components/ui';

export const catalogueKey = ['admin', 'services'] as const;

/** The catalogue as admins see it, grouped by category in the order customers see. */
export function useCatalogue() {
  return useQuery({
    queryKey: catalogueKey,
    queryFn: () => unwrap(adminApi.GET('/api/admin/services')),
  });
}

export function AdminOnly() {
  const { t } = useTranslation();
  return <Empty>{t('admin.services.adminOnly')}</Empty>;
}
