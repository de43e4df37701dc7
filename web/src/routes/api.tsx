import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api';
import { ErrorMessage, Loading, PageTitle } from '../components/ui';

export const Route = createFileRoute('/api')({ component: ApiDocs });

/**
 * The API v2 reference (docs/api-v2.md) with this panel's address, as the server renders it. The
 * server sanitizes it (api-docs.routes.ts), which is why inserting it as HTML is safe. It is HTML, not
 * JSON, so it is fetched directly rather than through the typed JSON client.
 */
function ApiDocs() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['api-docs'],
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () => {
      const r = await fetch('/api/web/api-docs', { credentials: 'same-origin' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.text();
    },
  });
  return (
    <div>
      <PageTitle>{t('apiDocs.title')}</PageTitle>
      {q.isPending && <Loading label={t('apiDocs.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && (
        // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized on the server (sanitize-html allowlist)
        <article className="api-doc" dangerouslySetInnerHTML={{ __html: q.data }} />
      )}
    </div>
  );
}
