/**
 * Adding funds (the customer's Funds page): the methods the panel takes, the form that starts a
 * payment (a gateway's sends the customer to its pay page; a transfer waits for the admin), and the
 * customer's payments with their states.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { TFunction } from 'i18next';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from './api';
import { MoreButton } from './components/Pager';
import { Button, Card, Empty, ErrorMessage, Loading, Notice, TextField } from './components/ui';
import {
  creditedUnits,
  formatCents,
  formatUnits,
  parseCents,
  parseUnits,
  percentToBp,
  withinLimits,
} from './payment-math';
import { meKey } from './session';
import { useFormat } from './use-format';

export type Payment = Schemas['Payment'];
type Method = Schemas['PaymentMethod'];

export const methodsKey = ['payment-methods'] as const;
export const paymentsKey = ['payments'] as const;

export function usePaymentMethods() {
  return useQuery({ queryKey: methodsKey, queryFn: () => unwrap(api.GET('/api/web/payment-methods')) });
}

const LOOK: Record<string, string> = {
  pending: 'bg-sky-100 text-sky-900',
  completed: 'bg-emerald-100 text-emerald-900',
  partial: 'bg-amber-100 text-amber-900',
  rejected: 'bg-red-50 text-red-800',
  expired: 'bg-slate-100 text-slate-700',
  failed: 'bg-red-50 text-red-800',
  reversed: 'bg-red-50 text-red-800',
};

export function PaymentBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <span
      className={`shrink-0 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${LOOK[state] ?? LOOK.expired}`}
    >
      {t(`payments.state.${state}`, { defaultValue: state })}
    </span>
  );
}

/** "Fee 2.5%", "Bonus +5%", or nothing when the method takes and gives nothing. */
function adjustText(t: TFunction, percent: string): string | null {
  const bp = percentToBp(percent);
  if (bp === null || bp === 0) return null;
  return bp < 0
    ? t('payments.fee', { percent: percent.replace(/^-/, '') })
    : t('payments.bonus', { percent });
}

/** What a pending payment will add once paid in full (the same rule as the server's). */
function expectedCredit(p: Payment): string | null {
  const units = parseUnits(p.amount);
  const bp = percentToBp(p.adjustPercent);
  if (units === null || bp === null || units % 100_000n !== 0n) return null;
  return formatUnits(creditedUnits(units / 100_000n, bp));
}

export function AddFundsCard(props: {
  methods: readonly Method[];
  currency: string;
  balance: string | null;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const { methods, currency } = props;
  const [methodId, setMethodId] = useState<number | null>(null);
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [sent, setSent] = useState(false);
  // A double tap submits twice before React re-renders the disabled button: one payment only.
  const inFlight = useRef(false);
  const method = methods.find((m) => m.id === methodId) ?? methods[0];

  const cents = parseCents(amount);
  const bp = method ? percentToBp(method.adjustPercent) : null;
  const limit = method && cents !== null ? withinLimits(cents, method.min, method.max) : 'ok';

  const start = useMutation({
    mutationFn: (body: Schemas['StartPayment']) => unwrap(api.POST('/api/web/payments', { body })),
    onSuccess: async (p) => {
      if (p.payUrl) {
        // The gateway's pay page; it sends the customer back to /funds/<id>.
        window.location.assign(p.payUrl);
        return;
      }
      setSent(true);
      setAmount('');
      setReference('');
      await qc.invalidateQueries({ queryKey: paymentsKey });
    },
  });

  // Back from the gateway's page with the browser's Back button: the page may come back from the
  // back-forward cache as it was left (button saying "Opening…"); make it usable and show the payment.
  const { reset } = start;
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (!e.persisted) return;
      reset();
      void qc.invalidateQueries({ queryKey: paymentsKey });
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, [reset, qc]);

  if (!method) return null;
  const busy = start.isPending || (start.isSuccess && start.data.payUrl !== null && !sent);

  return (
    <Card className="mb-6">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-lg font-semibold">{t('payments.addTitle')}</h2>
        {props.balance !== null && (
          <p className="text-sm text-slate-600">
            {t('payments.balance', { amount: f.money(props.balance, currency) })}
          </p>
        )}
      </div>
      {sent && (
        <div className="mb-3">
          <Notice>{t('payments.sent')}</Notice>
        </div>
      )}
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (busy || inFlight.current) return;
          inFlight.current = true;
          setSent(false);
          start.mutate(
            {
              methodId: method.id,
              amount: cents !== null ? formatCents(cents) : amount.trim(),
              ...(method.automatic ? {} : { reference: reference.trim() }),
            },
            {
              onSettled: () => {
                inFlight.current = false;
              },
            },
          );
        }}
      >
        <fieldset>
          <legend className="mb-2 text-sm font-medium text-slate-700">{t('payments.method')}</legend>
          <div className="grid gap-2 sm:grid-cols-2">
            {methods.map((m) => {
              const chosen = m.id === method.id;
              const adjust = adjustText(t, m.adjustPercent);
              return (
                <label
                  key={m.id}
                  className={`flex min-h-16 cursor-pointer items-start gap-3 rounded-lg border p-3 ${
                    chosen
                      ? 'border-indigo-600 bg-indigo-50 ring-1 ring-indigo-600'
                      : 'border-slate-300 bg-white'
                  }`}
                >
                  <input
                    type="radio"
                    name="payment-method"
                    className="mt-1 h-5 w-5 shrink-0 accent-indigo-600"
                    checked={chosen}
                    onChange={() => {
                      setMethodId(m.id);
                      setSent(false);
                      start.reset();
                    }}
                  />
                  <span className="min-w-0">
                    <span className="block font-semibold break-words">{m.name}</span>
                    <span className="block text-xs text-slate-600">
                      {m.automatic ? t('payments.automatic') : t('payments.manual')}
                    </span>
                    <span className="block text-xs text-slate-600">
                      {t('payments.limits', { min: f.decimal(m.min), max: f.decimal(m.max), currency })}
                      {adjust && ` · ${adjust}`}
                    </span>
                  </span>
                </label>
              );
            })}
          </div>
        </fieldset>
        {method.instructions.trim() && (
          <section className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm">
            <h3 className="mb-1 font-medium">{t('payments.howTo')}</h3>
            <p className="whitespace-pre-line break-words text-slate-800">{method.instructions}</p>
          </section>
        )}
        <div>
          <TextField
            label={t('payments.amount', { currency })}
            hint={t('payments.amountHint', { min: f.decimal(method.min), max: f.decimal(method.max) })}
            inputMode="decimal"
            autoComplete="off"
            required
            value={amount}
            onChange={(v) => {
              setAmount(v);
              setSent(false);
              start.reset();
            }}
          />
          <div aria-live="polite" className="mt-2 text-sm">
            {amount.trim() !== '' && cents === null && (
              <p className="text-amber-800">{t('payments.amountInvalid')}</p>
            )}
            {cents !== null && limit === 'below' && (
              <p className="text-amber-800">
                {t('errors.payment_below_min', { min: f.decimal(method.min) })}
              </p>
            )}
            {cents !== null && limit === 'above' && (
              <p className="text-amber-800">
                {t('errors.payment_above_max', { max: f.decimal(method.max) })}
              </p>
            )}
            {cents !== null && limit === 'ok' && bp !== null && (
              <p data-testid="credit-line" className="font-medium text-slate-900">
                {t('payments.youPay', {
                  amount: f.decimal(formatCents(cents)),
                  credited: f.decimal(formatUnits(creditedUnits(cents, bp))),
                  currency,
                })}
              </p>
            )}
          </div>
        </div>
        {!method.automatic && (
          <TextField
            label={t('payments.reference')}
            hint={t('payments.referenceHint')}
            autoComplete="off"
            required
            maxLength={200}
            value={reference}
            onChange={(v) => {
              setReference(v);
              setSent(false);
            }}
          />
        )}
        <ErrorMessage>{errorText(start.error)}</ErrorMessage>
        <Button type="submit" disabled={busy} className="w-full sm:w-auto">
          {busy ? t('payments.goingToPay') : method.automatic ? t('payments.pay') : t('payments.send')}
        </Button>
      </form>
    </Card>
  );
}

const PAGE = 20;
const CREDITED_STATES = new Set(['completed', 'partial', 'reversed']);

export function PaymentList() {
  const { t } = useTranslation();
  const q = useInfiniteQuery({
    queryKey: [...paymentsKey, 'list'],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/web/payments', {
          params: { query: { limit: PAGE, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const payments = q.data?.pages.flatMap((p) => p.payments) ?? [];
  return (
    <section className="mb-6">
      <h2 className="mb-2 font-semibold">{t('payments.listTitle')}</h2>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {q.data && payments.length === 0 && <Empty>{t('payments.none')}</Empty>}
      {payments.length > 0 && (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {payments.map((p) => (
            <PaymentRow key={p.id} p={p} />
          ))}
        </ul>
      )}
      {q.hasNextPage && (
        <MoreButton
          label={t('payments.more')}
          loading={q.isFetchingNextPage}
          onMore={() => void q.fetchNextPage()}
        />
      )}
    </section>
  );
}

function PaymentRow({ p }: { p: Payment }) {
  const { t } = useTranslation();
  const f = useFormat();
  const money = (a: string) => f.money(a, p.currency);
  // Pending: what it will add once paid in full; ended without money: nothing to say.
  const credited =
    p.state === 'pending' ? expectedCredit(p) : CREDITED_STATES.has(p.state) ? p.credited : null;
  return (
    <li className="p-3 text-sm" data-testid={`payment-${p.id}`}>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-medium break-words">
            <Link
              to="/funds/$paymentId"
              params={{ paymentId: String(p.id) }}
              className="inline-flex min-h-11 items-center text-indigo-700 underline sm:min-h-0"
            >
              {t('payments.number', { id: p.id })}
            </Link>{' '}
            · {p.method}
          </p>
          <p className="text-xs text-slate-500">
            <time dateTime={p.createdAt}>{f.dateTime(p.createdAt)}</time>
            {p.reference ? ` · ${t('payments.ref', { reference: p.reference })}` : ''}
          </p>
        </div>
        <PaymentBadge state={p.state} />
      </div>
      <p className="mt-1 text-slate-700">
        {t('payments.paid', { amount: money(p.amount) })}
        {p.received !== null &&
          p.received !== p.amount &&
          ` · ${t('payments.received', { amount: money(p.received) })}`}
        {credited !== null &&
          ` · ${t(p.state === 'pending' ? 'payments.willAdd' : 'payments.credited', { amount: money(credited) })}`}
      </p>
      {p.note && p.state !== 'pending' && (
        <p className="mt-1 break-words whitespace-pre-line text-slate-700">
          {t('payments.note', { note: p.note })}
        </p>
      )}
      {p.state === 'pending' && p.payUrl && (
        <a
          href={p.payUrl}
          aria-label={t('payments.payNowLabel', { id: p.id })}
          className="mt-2 inline-flex min-h-11 items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          {t('payments.payNow')}
        </a>
      )}
    </li>
  );
}

/** After the money moved: the header's balance and the history follow at once. */
export async function refreshAfterPayment(qc: ReturnType<typeof useQueryClient>) {
  await Promise.all([
    qc.invalidateQueries({ queryKey: meKey }),
    qc.invalidateQueries({ queryKey: ['funds'] }),
    qc.invalidateQueries({ queryKey: [...paymentsKey, 'list'] }),
  ]);
}
