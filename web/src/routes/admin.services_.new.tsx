/** Admin area (admins only): a new service of the catalogue (it goes last in its category). */
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AdminOnly, useCatalogue } from '../admin-catalogue';
import { errorText } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { ErrorMessage, Loading, PageTitle } from '../components/ui';
import { ServiceForm } from '../service-form';

export const Route = createFileRoute('/admin/services_/new')({
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <NewService /> : <AdminOnly />)}</RequireStaff>
  ),
});

function NewService() {
  const { t } = useTranslation();
  const q = useCatalogue();
  return (
    <div>
      <PageTitle>{t('admin.services.newTitle')}</PageTitle>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && <ServiceForm categories={q.data.categories.map((c) => c.name)} currency={q.data.currency} />}
    </div>
  );
}
