/** Paging under a list: "Newer"/"Older" over keyset pages, or a "More" button that adds the next page. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './ui';

/** Keyset pages: the `before` of each page seen (the first has none), so "Newer" goes back exactly. */
export function useKeysetPages() {
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  return {
    before: pages[pages.length - 1],
    first: pages.length === 1,
    newer: () => setPages((p) => p.slice(0, -1)),
    older: (before: number | undefined) => setPages((p) => [...p, before]),
  };
}

/** Shown only when there is another page; `nextBefore` is the server's cursor for the older page. */
export function KeysetPager({
  pages,
  nextBefore,
}: {
  pages: ReturnType<typeof useKeysetPages>;
  nextBefore: number | null;
}) {
  const { t } = useTranslation();
  if (pages.first && nextBefore === null) return null;
  return (
    <nav aria-label={t('orders.pages')} className="mt-4 flex justify-between">
      <Button variant="secondary" disabled={pages.first} onClick={pages.newer}>
        {t('orders.newer')}
      </Button>
      <Button
        variant="secondary"
        disabled={nextBefore === null}
        onClick={() => pages.older(nextBefore ?? undefined)}
      >
        {t('orders.older')}
      </Button>
    </nav>
  );
}

/** Loads the next page of an infinite query; `label` names what comes (e.g. "Show more"). */
export function MoreButton({
  label,
  loading,
  onMore,
}: {
  label: string;
  loading: boolean;
  onMore: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="mt-4 flex justify-center">
      <Button variant="secondary" className="w-full sm:w-auto" disabled={loading} onClick={onMore}>
        {loading ? t('funds.loadingMore') : label}
      </Button>
    </div>
  );
}
