/**
 * Ledger entries as a list (the customer's Funds page, a user's and a payment's page in the admin area): what it
 * was, its order, when, the note, the signed amount and the balance after it, exact and localised.
 */
import { useTranslation } from 'react-i18next';
import { useFormat } from '../use-format';
import { Empty } from './ui';

export interface FundsEntryView {
  id: number;
  kind: string;
  order: number | null;
  at: string;
  note: string | null;
  amount: string;
  balanceAfter: string;
}

export function FundsEntryList({
  entries,
  empty,
}: {
  entries: readonly FundsEntryView[];
  /** What to say when there are none (default: the Funds page's words). */
  empty?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  if (entries.length === 0) return <Empty>{empty ?? t('funds.empty')}</Empty>;
  return (
    <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
      {entries.map((e) => {
        const debit = e.amount.startsWith('-');
        return (
          <li key={e.id} className="flex items-start justify-between gap-3 p-3 text-sm">
            <div className="min-w-0">
              <p className="font-medium">
                {t(`ledger.${e.kind}`, { defaultValue: e.kind })}
                {e.order !== null && ` · ${t('orders.number', { id: e.order })}`}
              </p>
              <p className="break-words text-xs text-slate-500">
                <time dateTime={e.at}>{f.dateTime(e.at)}</time>
                {e.note ? ` · ${e.note}` : ''}
              </p>
            </div>
            <div className="shrink-0 text-right">
              <p className={`font-semibold ${debit ? 'text-red-700' : 'text-emerald-700'}`}>
                {debit ? f.decimal(e.amount) : `+${f.decimal(e.amount)}`}
              </p>
              <p className="text-xs text-slate-500">
                {t('funds.after', { amount: f.decimal(e.balanceAfter) })}
              </p>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
