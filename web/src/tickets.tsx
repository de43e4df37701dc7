/** What the tickets pages share: the state badge. */
import { useTranslation } from 'react-i18next';
import type { Schemas } from './api';

const LOOK: Record<Schemas['Ticket']['state'], string> = {
  open: 'bg-amber-100 text-amber-900',
  answered: 'bg-emerald-100 text-emerald-900',
  closed: 'bg-slate-100 text-slate-700',
};

export function TicketState({ state }: { state: Schemas['Ticket']['state'] }) {
  const { t } = useTranslation();
  return (
    <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ${LOOK[state]}`}>
      {t(`tickets.states.${state}`)}
    </span>
  );
}
