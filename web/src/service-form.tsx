/**
 * The admin form of one service, for a new one (`/admin/services/new`) and to change one
 * (`/admin/services/$serviceId`): name, category (existing ones offered), type (new only), rate,
 * limits, options, refill window and description. Saving goes back to the catalogue.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from './admin-api';
import { catalogueKey } from './admin-catalogue';
import { errorText, unwrap } from './api';
import { Button, Card, ConfirmButton, ErrorMessage, Field, inputClass, TextField } from './components/ui';

const TYPES = [
  'Default',
  'Custom Comments',
  'Mentions',
  'Mentions with Hashtags',
  'Mentions Custom List',
  'Mentions Hashtag',
  'Mentions User Followers',
  'Mentions Media Likers',
  'Poll',
  'Comment Replies',
  'Subscriptions',
] as const;
type ServiceType = (typeof TYPES)[number];

export function ServiceForm(props: {
  service?: AdminSchemas['AdminService'];
  categories: string[];
  currency: string;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const s = props.service;
  const listId = useId();
  const [name, setName] = useState(s?.name ?? '');
  const [category, setCategory] = useState(s?.category ?? '');
  const [type, setType] = useState<ServiceType>(s?.type ?? 'Default');
  const [rate, setRate] = useState(s?.rate ?? '');
  const [min, setMin] = useState(s?.min ?? '');
  const [max, setMax] = useState(s?.max ?? '');
  const [dripfeed, setDripfeed] = useState(s?.dripfeed ?? false);
  const [refill, setRefill] = useState(s?.refill ?? false);
  const [cancel, setCancel] = useState(s?.cancel ?? false);
  const [refillDays, setRefillDays] = useState(s?.refillDays == null ? '' : String(s.refillDays));
  const [description, setDescription] = useState(s?.description ?? '');

  const back = async () => {
    await qc.invalidateQueries({ queryKey: catalogueKey });
    await navigate({ to: '/admin/services' });
  };
  const save = useMutation({
    mutationFn: () => {
      const common = {
        name,
        category,
        rate: rate.trim(),
        min: min.trim(),
        max: max.trim(),
        dripfeed,
        refill,
        cancel,
        description,
      };
      if (!s) return unwrap(adminApi.POST('/api/admin/services', { body: { ...common, type } }));
      // Only what was changed: a rate sent is the operator's own and is kept by re-imports.
      const days = refillDays.trim() === '' ? null : Number(refillDays);
      const body = Object.fromEntries(
        Object.entries(common).filter(([k, v]) => v !== s[k as keyof typeof common]),
      ) as Partial<typeof common>;
      return unwrap(
        adminApi.POST('/api/admin/services/{id}', {
          params: { path: { id: s.id } },
          body: { ...body, ...(days !== s.refillDays ? { refillDays: days } : {}) },
        }),
      );
    },
    onSuccess: back,
  });
  const state = useMutation({
    mutationFn: (enable: boolean) =>
      unwrap(
        adminApi.POST(enable ? '/api/admin/services/{id}/enable' : '/api/admin/services/{id}/disable', {
          params: { path: { id: s?.id ?? 0 } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: catalogueKey }),
  });
  const edited = () => save.reset();

  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Card className="space-y-3 sm:max-w-lg">
        <TextField
          label={t('admin.services.name')}
          required
          maxLength={300}
          value={name}
          onChange={(v) => {
            setName(v);
            edited();
          }}
        />
        <TextField
          label={t('admin.services.category')}
          hint={t('admin.services.categoryHint')}
          required
          maxLength={200}
          list={listId}
          value={category}
          onChange={(v) => {
            setCategory(v);
            edited();
          }}
        />
        <datalist id={listId}>
          {props.categories.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        {!s && (
          <Field label={t('admin.services.type')}>
            {(id) => (
              <select
                id={id}
                className={inputClass}
                value={type}
                onChange={(e) => {
                  setType(e.target.value as ServiceType);
                  edited();
                }}
              >
                {TYPES.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <TextField
          label={t('admin.services.rate', { currency: props.currency })}
          hint={t('admin.services.rateHint')}
          required
          inputMode="decimal"
          autoComplete="off"
          value={rate}
          onChange={(v) => {
            setRate(v);
            edited();
          }}
        />
        <div className="grid grid-cols-2 gap-3">
          <TextField
            label={t('admin.services.min')}
            required
            inputMode="numeric"
            value={min}
            onChange={(v) => {
              setMin(v);
              edited();
            }}
          />
          <TextField
            label={t('admin.services.max')}
            required
            inputMode="numeric"
            value={max}
            onChange={(v) => {
              setMax(v);
              edited();
            }}
          />
        </div>
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-slate-700">{t('admin.services.options')}</legend>
          <Check label={t('flags.dripfeed')} checked={dripfeed} onChange={setDripfeed} />
          <Check label={t('flags.refill')} checked={refill} onChange={setRefill} />
          <Check label={t('flags.cancel')} checked={cancel} onChange={setCancel} />
        </fieldset>
        {s && (
          <TextField
            label={t('admin.services.refillDays')}
            hint={t('admin.services.refillDaysHint')}
            inputMode="numeric"
            value={refillDays}
            onChange={(v) => {
              setRefillDays(v);
              edited();
            }}
          />
        )}
        <Field label={t('admin.services.description')}>
          {(id) => (
            <textarea
              id={id}
              rows={3}
              maxLength={5000}
              className={inputClass}
              value={description}
              onChange={(e) => {
                setDescription(e.target.value);
                edited();
              }}
            />
          )}
        </Field>
      </Card>
      <div className="space-y-3 sm:max-w-lg">
        {save.isError && <ErrorMessage>{errorText(save.error)}</ErrorMessage>}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={save.isPending} className="flex-1 sm:flex-none">
            {s ? t('admin.services.save') : t('admin.services.create')}
          </Button>
          <Button variant="secondary" onClick={() => void navigate({ to: '/admin/services' })}>
            {t('admin.services.back')}
          </Button>
        </div>
      </div>
      {s && (
        <Card className="space-y-2 sm:max-w-lg">
          <p className="text-sm">
            {s.enabled ? t('admin.services.isEnabled') : t('admin.services.isDisabled')}
            {s.providerId !== null &&
              ` · ${t('admin.services.fromProvider', { provider: s.providerName ?? `#${s.providerId}`, id: s.providerServiceId ?? '' })}`}
          </p>
          {s.enabled ? (
            <ConfirmButton
              label={t('admin.services.disableOne')}
              question={t('admin.services.disableQuestion')}
              confirmLabel={t('admin.services.disableYes')}
              disabled={state.isPending}
              onConfirm={() => state.mutate(false)}
            />
          ) : (
            <Button variant="secondary" disabled={state.isPending} onClick={() => state.mutate(true)}>
              {t('admin.services.enableOne')}
            </Button>
          )}
          {state.isError && <ErrorMessage>{errorText(state.error)}</ErrorMessage>}
        </Card>
      )}
    </form>
  );
}

function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="flex min-h-11 items-center gap-3 text-sm">
      <input
        type="checkbox"
        className="size-5 shrink-0"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      {props.label}
    </label>
  );
}
