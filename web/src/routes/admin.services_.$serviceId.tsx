/** Admin area (admins only): change one service, enable or disable it. */
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AdminOnly, useCatalogue } from '../admin-catalogue';
import { errorText } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import { Empty, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { ServiceForm } from '../service-form';

export const Route = createFileRoute('/admin/services_/$serviceId')({
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <EditService /> : <AdminOnly />)}</RequireStaff>
  ),
});

function EditService() {
  const { t } = useTranslation();
  const id = Number(Route.useParams().serviceId);
  const q = useCatalogue();
  if (q.isPending) return <Loading label={t('common.loading')} />;
  if (q.isError) return <ErrorMessage>{errorText(q.error)}</ErrorMessage>;
  const service = q.data.categories.flatMap((c) => c.services).find((s) => s.id === id);
  if (!service) return <Empty>{t('admin.services.notFound')}</Empty>;
  return (
    <div>
      <PageTitle>{t('admin.services.editTitle', { id: service.id })}</PageTitle>
      <ServiceForm
        key={service.id}
        service={service}
        categories={q.data.categories.map((c) => c.name)}
        currency={q.data.currency}
      />
    </div>
  );
}
