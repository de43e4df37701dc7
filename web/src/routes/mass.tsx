import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, failureText, type Schemas, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { Button, Card, ErrorMessage, Field, inputClass, Notice, PageTitle } from '../components/ui';
import { newIdempotencyKey } from '../order-fields';
import { useServices } from '../services';
import { meKey } from '../session';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/mass')({
  component: () => <RequireUser>{() => <MassOrder />}</RequireUser>,
});

/**
 * Mass order: one order per line, `service | link | quantity`. The server places each line on its own
 * and answers each; the refused lines are put back in the box to be fixed, with a new form key so
 * fixing and sending again never repeats the placed ones.
 */
function MassOrder() {
  const { t } = useTranslation();
  const f = useFormat();
  const services = useServices();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [idemKey, setIdemKey] = useState(newIdempotencyKey);
  const [result, setResult] = useState<Schemas['MassResult'] | null>(null);
  // A double tap sends once (React has not re-rendered `isPending` yet on the second tap); the form's
  // idempotency key covers a resend that gets past this (a retry after a lost answer).
  const sending = useRef(false);
  const example = services.data?.services[0]?.id ?? 1;
  const currency = services.data?.currency ?? '';

  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/orders/mass', { body: { text, idempotencyKey: idemKey } })),
    onSuccess: async (r) => {
      setResult(r);
      const lines = text.split(/\r\n|\r|\n/);
      setText(
        r.lines
          .filter((l) => !l.ok)
          .map((l) => lines[l.line - 1] ?? '')
          .join('\n'),
      );
      setIdemKey(newIdempotencyKey());
      await qc.invalidateQueries({ queryKey: meKey });
      await qc.invalidateQueries({ queryKey: ['orders'] });
    },
  });

  return (
    <div className="mx-auto max-w-2xl">
      <PageTitle>{t('mass.title')}</PageTitle>
      <Card>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (sending.current) return;
            sending.current = true;
            send.mutate(undefined, {
              onSettled: () => {
                sending.current = false;
              },
            });
          }}
        >
          <Field
            label={t('mass.lines')}
            hint={t('mass.hint', { example: `${example} | https://instagram.com/alice | 1000` })}
          >
            {(id, d) => (
              <textarea
                id={id}
                aria-describedby={d}
                rows={8}
                className={`${inputClass} font-mono text-sm`}
                placeholder={`${example} | https://instagram.com/alice | 1000\n${example} | https://instagram.com/p/abc | 500`}
                autoCapitalize="none"
                spellCheck={false}
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            )}
          </Field>
          <ErrorMessage>{errorText(send.error)}</ErrorMessage>
          <Button type="submit" className="w-full" disabled={send.isPending || text.trim() === ''}>
            {t(send.isPending ? 'mass.placing' : 'mass.place')}
          </Button>
        </form>
      </Card>
      {result && (
        <section aria-labelledby="mass-results" className="mt-4">
          <h2 id="mass-results" className="mb-2 font-semibold">
            {t('mass.results')}
          </h2>
          <Notice>
            {t('mass.summary', { placed: result.placed, refused: result.refused })}{' '}
            <Link to="/orders" className="font-semibold underline">
              {t('newOrder.seeOrders')}
            </Link>
          </Notice>
          {result.refused > 0 && <p className="mt-2 text-sm text-slate-600">{t('mass.fixRefused')}</p>}
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {result.lines.map((l) => (
              <li key={l.line} className="flex items-start gap-3 p-3 text-sm" data-testid="mass-line">
                <span className="shrink-0 font-mono text-slate-500">{t('mass.line', { line: l.line })}</span>
                {l.ok ? (
                  <span className="text-emerald-800">
                    {t(l.repeated ? 'mass.repeated' : 'mass.placed', {
                      id: l.order,
                      charge: f.decimal(l.charge ?? ''),
                      currency,
                    })}
                  </span>
                ) : (
                  <span className="text-red-800">{failureText(l.code ?? '', l.params, l.error ?? '')}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
