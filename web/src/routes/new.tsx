import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { RequireUser } from '../components/RequireUser';
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Notice, PageTitle } from '../components/ui';
import {
  DELAYS,
  FIELDS_BY_TYPE,
  type FieldName,
  MULTILINE,
  NUMERIC,
  newIdempotencyKey,
  OPTIONAL,
  serviceSearch,
} from '../order-fields';
import { useServices } from '../services';
import { meKey } from '../session';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/new')({
  validateSearch: serviceSearch,
  component: () => <RequireUser>{() => <NewOrder />}</RequireUser>,
});

type Values = Partial<Record<FieldName | 'runs' | 'interval', string>>;

/** Wait until typing pauses before asking the server for a price. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

function NewOrder() {
  const { t } = useTranslation();
  const f = useFormat();
  const search = Route.useSearch();
  const services = useServices();
  const qc = useQueryClient();
  const list = services.data?.services ?? [];
  const preset = list.find((s) => s.id === search.service);
  const [category, setCategory] = useState<string>('');
  const [serviceId, setServiceId] = useState<number | null>(null);
  const [values, setValues] = useState<Values>({});
  const [dripfeed, setDripfeed] = useState(false);
  const [idemKey, setIdemKey] = useState(newIdempotencyKey);
  const [placed, setPlaced] = useState<Schemas['PlacedOrder'] | null>(null);

  const categories = useMemo(() => [...new Set(list.map((s) => s.category))], [list]);
  const activeCategory = category || preset?.category || categories[0] || '';
  const inCategory = list.filter((s) => s.category === activeCategory);
  const service = list.find((s) => s.id === (serviceId ?? preset?.id)) ?? inCategory[0];
  const fields = service ? (FIELDS_BY_TYPE[service.type] ?? ['link', 'quantity']) : [];

  const body = useMemo(() => {
    if (!service) return null;
    const b: Record<string, string> = {};
    for (const f of fields) if (values[f]?.trim()) b[f] = values[f] as string;
    if (service.type === 'Default' && dripfeed) {
      b.runs = values.runs ?? '';
      b.interval = values.interval ?? '';
    }
    return { service: service.id, ...b };
  }, [service, fields, values, dripfeed]);
  // Priced only once every required field has something in it: no "Missing parameter" before typing.
  const ready = fields.every((f) => OPTIONAL.has(f) || f === 'delay' || values[f]?.trim());
  const debounced = useDebounced(ready ? body : null, 300);
  const quote = useQuery({
    queryKey: ['quote', debounced],
    enabled: debounced !== null,
    queryFn: () => unwrap(api.POST('/api/web/orders/quote', { body: debounced as Schemas['OrderFields'] })),
  });

  const place = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/web/orders', {
          body: { ...(body as Schemas['OrderFields']), idempotencyKey: idemKey },
        }),
      ),
    onSuccess: async (r) => {
      setPlaced(r);
      setValues({});
      setDripfeed(false);
      setIdemKey(newIdempotencyKey());
      await qc.invalidateQueries({ queryKey: meKey });
      await qc.invalidateQueries({ queryKey: ['orders'] });
    },
  });

  const set = (f: string, v: string) => {
    setPlaced(null);
    setValues((old) => ({ ...old, [f]: v }));
  };

  if (services.isPending) return <Loading label={t('common.loading')} />;
  if (services.isError) return <ErrorMessage>{errorText(services.error)}</ErrorMessage>;
  if (list.length === 0) return <Notice>{t('services.empty')}</Notice>;

  return (
    <div className="mx-auto max-w-xl">
      <PageTitle>{t('newOrder.title')}</PageTitle>
      {placed && (
        <div className="mb-4">
          <Notice>
            {t('newOrder.created', {
              id: placed.order,
              charge: f.decimal(placed.charge),
              currency: services.data.currency,
            })}{' '}
            <Link to="/orders" className="font-semibold underline">
              {t('newOrder.seeOrders')}
            </Link>
          </Notice>
        </div>
      )}
      <Card>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!place.isPending) place.mutate();
          }}
        >
          <Field label={t('newOrder.category')}>
            {(id) => (
              <select
                id={id}
                className={inputClass}
                value={activeCategory}
                onChange={(e) => {
                  setCategory(e.target.value);
                  setServiceId(null);
                  setPlaced(null);
                }}
              >
                {categories.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('newOrder.service')}>
            {(id) => (
              <select
                id={id}
                className={inputClass}
                value={service?.id ?? ''}
                onChange={(e) => {
                  setServiceId(Number(e.target.value));
                  setPlaced(null);
                }}
              >
                {inCategory.map((s) => (
                  <option key={s.id} value={s.id}>
                    {t('newOrder.serviceOption', {
                      id: s.id,
                      name: s.name,
                      rate: f.decimal(s.rate),
                      currency: services.data.currency,
                    })}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {service && (
            <div className="rounded-md bg-slate-50 p-3 text-sm text-slate-700">
              <p>
                {t('newOrder.rateLine', {
                  rate: f.decimal(service.rate),
                  currency: services.data.currency,
                  min: f.count(service.min),
                  max: f.count(service.max),
                })}
              </p>
              <p className="text-slate-500">
                {[
                  service.refill && t('flags.refill'),
                  service.cancel && t('flags.cancel'),
                  service.dripfeed && t('flags.dripfeed'),
                ]
                  .filter(Boolean)
                  .join(' · ') || t('flags.none')}
              </p>
              {service.description && <p className="mt-1 whitespace-pre-line">{service.description}</p>}
            </div>
          )}
          {fields.map((f) => (
            <OrderField
              key={`${service?.id}-${f}`}
              name={f}
              value={values[f] ?? ''}
              onChange={(v) => set(f, v)}
            />
          ))}
          {service?.type === 'Default' && service.dripfeed && (
            <div className="space-y-3">
              <label className="flex min-h-11 items-center gap-2 text-sm font-medium">
                <input
                  type="checkbox"
                  className="size-5"
                  checked={dripfeed}
                  onChange={(e) => setDripfeed(e.target.checked)}
                />
                {t('newOrder.dripfeed')}
              </label>
              {dripfeed && (
                <div className="grid grid-cols-2 gap-3">
                  <OrderField name="runs" value={values.runs ?? ''} onChange={(v) => set('runs', v)} />
                  <OrderField
                    name="interval"
                    value={values.interval ?? ''}
                    onChange={(v) => set('interval', v)}
                  />
                </div>
              )}
            </div>
          )}
          <div aria-live="polite" className="rounded-md border border-slate-200 p-3">
            {debounced === null ? (
              <p className="text-sm text-slate-500">{t('newOrder.fillIn')}</p>
            ) : quote.isFetching && !quote.data ? (
              <p className="text-sm text-slate-500">{t('newOrder.pricing')}</p>
            ) : quote.isError ? (
              <p className="text-sm text-amber-800">{errorText(quote.error)}</p>
            ) : quote.data ? (
              <p>
                <span className="text-sm text-slate-600">{t('newOrder.charge')} </span>
                <strong data-testid="charge">{f.money(quote.data.charge, quote.data.currency)}</strong>
                {quote.data.perPost && (
                  <span className="block text-sm text-slate-600">
                    {t('newOrder.perPost', {
                      amount: f.decimal(quote.data.perPost),
                      currency: quote.data.currency,
                    })}
                  </span>
                )}
                {quote.data.reserve && (
                  <span className="block text-sm text-slate-600">
                    {t('newOrder.reserve', {
                      amount: f.decimal(quote.data.reserve),
                      currency: quote.data.currency,
                    })}
                  </span>
                )}
              </p>
            ) : null}
          </div>
          <ErrorMessage>{errorText(place.error)}</ErrorMessage>
          <Button type="submit" className="w-full" disabled={place.isPending || !service}>
            {t(place.isPending ? 'newOrder.placing' : 'newOrder.place')}
          </Button>
        </form>
      </Card>
    </div>
  );
}

function OrderField({
  name,
  value,
  onChange,
}: {
  name: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const { t } = useTranslation();
  const f = name as FieldName;
  const label = `${t(`fields.${name}`)}${OPTIONAL.has(f) ? ` ${t('fields.optional')}` : ''}`;
  const hint = t(`fields.${name}Hint`, { defaultValue: '' }) || undefined;
  return (
    <Field label={label} hint={hint}>
      {(id, d) =>
        MULTILINE.has(f) ? (
          <textarea
            id={id}
            aria-describedby={d}
            rows={4}
            className={inputClass}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : name === 'delay' ? (
          <select
            id={id}
            aria-describedby={d}
            className={inputClass}
            value={value || '0'}
            onChange={(e) => onChange(e.target.value)}
          >
            {DELAYS.map((m) => (
              <option key={m} value={m}>
                {t('fields.delayMinutes', { count: m })}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            aria-describedby={d}
            className={inputClass}
            inputMode={
              NUMERIC.has(f) || name === 'runs' || name === 'interval'
                ? 'numeric'
                : name === 'link'
                  ? 'url'
                  : undefined
            }
            type="text"
            autoCapitalize="none"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}
