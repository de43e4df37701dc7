/**
 * Admin area (admins only, linked from Settings and Payments): the payment methods customers add
 * funds with. The list says each method's kind, limits, fee or bonus and whether it is on; Add asks
 * for the kind first and then shows that kind's own settings; Edit changes one. Secret settings (a
 * gateway's API key) are password inputs that start empty: the page only says whether one is set, and
 * an empty one keeps the stored secret. A refused setting is said at its field.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { ApiError, errorText, unwrap } from '../api';
import { RequireStaff } from '../components/RequireStaff';
import {
  Button,
  Card,
  Empty,
  ErrorMessage,
  Field,
  inputClass,
  Loading,
  Notice,
  PageTitle,
  TextField,
} from '../components/ui';
import { useFormat } from '../use-format';

export const Route = createFileRoute('/admin/payment-methods')({
  component: () => <RequireStaff>{(me) => (me.role === 'admin' ? <Methods /> : <AdminOnly />)}</RequireStaff>,
});

function AdminOnly() {
  const { t } = useTranslation();
  return <Empty>{t('admin.paymentMethods.adminOnly')}</Empty>;
}

type List = AdminSchemas['AdminPaymentMethodList'];
type Method = AdminSchemas['AdminPaymentMethod'];
type Kind = List['kinds'][number];

const KEY = ['admin', 'payment-methods'];

function Methods() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: KEY, queryFn: () => unwrap(adminApi.GET('/api/admin/payment-methods')) });
  // What is open: nothing, the Add form, or a method's Edit form (its id).
  const [editing, setEditing] = useState<'new' | number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      <p className="flex flex-wrap gap-x-4">
        <Link to="/admin/settings" className="inline-block min-h-11 py-3 text-sm text-indigo-700 underline">
          ← {t('admin.paymentMethods.toSettings')}
        </Link>
        <Link to="/admin/payments" className="inline-block min-h-11 py-3 text-sm text-indigo-700 underline">
          {t('admin.paymentMethods.toPayments')}
        </Link>
      </p>
      <PageTitle>{t('admin.paymentMethods.title')}</PageTitle>
      <p className="-mt-2 text-sm text-slate-600">{t('admin.paymentMethods.help')}</p>
      {done && <Notice>{done}</Notice>}
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorMessage>{errorText(q.error)}</ErrorMessage>
      ) : (
        <>
          {editing === 'new' ? (
            <MethodForm
              kinds={q.data.kinds}
              onClose={() => setEditing(null)}
              onSaved={(m) => {
                setEditing(null);
                setDone(t('admin.paymentMethods.added', { name: m.name }));
              }}
            />
          ) : (
            <Button
              onClick={() => {
                setDone(null);
                setEditing('new');
              }}
              className="w-full sm:w-auto"
            >
              {t('admin.paymentMethods.add')}
            </Button>
          )}
          <MethodList
            list={q.data}
            editing={editing}
            onEdit={(id) => {
              setDone(null);
              setEditing(id);
            }}
            onClose={() => setEditing(null)}
            onSaved={(m) => {
              setEditing(null);
              setDone(t('admin.paymentMethods.saved', { name: m.name }));
            }}
          />
        </>
      )}
    </div>
  );
}

function MethodList(props: {
  list: List;
  editing: 'new' | number | null;
  onEdit: (id: number) => void;
  onClose: () => void;
  onSaved: (m: Method) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const { kinds, methods } = props.list;
  if (methods.length === 0) return <Empty>{t('admin.paymentMethods.none')}</Empty>;
  return (
    <ul className="space-y-3" aria-label={t('admin.paymentMethods.listLabel')}>
      {methods.map((m) => {
        const kind = kinds.find((k) => k.kind === m.kind);
        const secrets = kind?.fields.filter((x) => x.secret) ?? [];
        return (
          <li key={m.id}>
            {props.editing === m.id ? (
              <MethodForm kinds={kinds} method={m} onClose={props.onClose} onSaved={props.onSaved} />
            ) : (
              <Card className="space-y-2">
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <div className="min-w-0">
                    <h2 className="break-words font-semibold">{m.name}</h2>
                    <p className="text-xs text-slate-500">{kind?.label ?? m.kind}</p>
                  </div>
                  <span
                    className={`shrink-0 rounded px-2 py-0.5 text-xs font-semibold ${
                      m.enabled ? 'bg-emerald-100 text-emerald-900' : 'bg-slate-100 text-slate-700'
                    }`}
                  >
                    {m.enabled ? t('admin.paymentMethods.on') : t('admin.paymentMethods.off')}
                  </span>
                </div>
                <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
                  <div>
                    <dt className="text-xs text-slate-500">{t('admin.paymentMethods.limits')}</dt>
                    <dd>
                      {f.decimal(m.min)} – {f.decimal(m.max)}
                    </dd>
                  </div>
                  <div>
                    <dt className="text-xs text-slate-500">{t('admin.paymentMethods.adjust')}</dt>
                    <dd>{adjustText(t, m.adjustPercent)}</dd>
                  </div>
                  {secrets.map((s) => (
                    <div key={s.name}>
                      <dt className="text-xs text-slate-500">{s.label}</dt>
                      <dd>
                        {m.secretsSet.includes(s.name) ? (
                          <span className="text-emerald-800">{t('admin.paymentMethods.secretSet')}</span>
                        ) : (
                          <span className="font-semibold text-red-700">
                            {t('admin.paymentMethods.secretNotSet')}
                          </span>
                        )}
                      </dd>
                    </div>
                  ))}
                </dl>
                {m.secretsUnreadable && (
                  <p className="text-sm font-medium text-red-700">{t('admin.paymentMethods.unreadable')}</p>
                )}
                <Button
                  variant="secondary"
                  aria-label={t('admin.paymentMethods.editNamed', { name: m.name })}
                  onClick={() => props.onEdit(m.id)}
                >
                  {t('admin.paymentMethods.edit')}
                </Button>
              </Card>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function adjustText(t: (k: string, o?: Record<string, string>) => string, percent: string): string {
  const n = Number(percent);
  if (n === 0) return t('admin.paymentMethods.noAdjust');
  return n < 0
    ? t('admin.paymentMethods.fee', { percent: percent.replace(/^-/, '') })
    : t('admin.paymentMethods.bonus', { percent });
}

/** The base fields every method has; the kind's own follow. */
const BASE = ['name', 'instructions', 'min', 'max', 'adjustPercent'] as const;

function MethodForm(props: {
  kinds: Kind[];
  method?: Method;
  onClose: () => void;
  onSaved: (m: Method) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const m = props.method;
  const [kindName, setKindName] = useState(m?.kind ?? '');
  const kind = props.kinds.find((k) => k.kind === kindName);
  const [name, setName] = useState(m?.name ?? '');
  const [instructions, setInstructions] = useState(m?.instructions ?? '');
  const [min, setMin] = useState(m?.min ?? '');
  const [max, setMax] = useState(m?.max ?? '');
  const [adjust, setAdjust] = useState(m?.adjustPercent ?? '0');
  const [enabled, setEnabled] = useState(m?.enabled ?? true);
  // Secret settings always start empty (empty keeps the stored one); the others show what is stored.
  const [settings, setSettings] = useState<Record<string, string>>(() => ({ ...(m?.config ?? {}) }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name,
        instructions,
        min,
        max,
        adjustPercent: adjust.trim() === '' ? '0' : adjust,
        enabled,
        settings: Object.fromEntries((kind?.fields ?? []).map((x) => [x.name, settings[x.name] ?? ''])),
      };
      return m
        ? unwrap(adminApi.PUT('/api/admin/payment-methods/{id}', { params: { path: { id: m.id } }, body }))
        : unwrap(adminApi.POST('/api/admin/payment-methods', { body: { kind: kindName, ...body } }));
    },
    onSuccess: async (saved) => {
      await qc.invalidateQueries({ queryKey: KEY });
      props.onSaved(saved);
    },
  });
  const edited = () => save.reset();
  // A refused setting: said at its field when the form has it, else on top.
  const bad =
    save.error instanceof ApiError && save.error.code === 'invalid_payment_method'
      ? { field: save.error.params?.field ?? '', message: save.error.params?.message ?? save.error.message }
      : null;
  const fieldNames = [...BASE, 'kind', ...(kind?.fields.map((x) => x.name) ?? [])] as string[];
  const atField = bad && fieldNames.includes(bad.field) ? bad : null;
  const errorOf = (field: string) => (atField?.field === field ? atField.message : undefined);
  const titleId = m ? `method-${m.id}-title` : 'method-new-title';

  return (
    <form
      aria-labelledby={titleId}
      className="space-y-3 rounded-lg border-2 border-indigo-200 bg-white p-4 shadow-sm"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2 id={titleId} className="font-semibold">
        {m ? t('admin.paymentMethods.editTitle', { name: m.name }) : t('admin.paymentMethods.addTitle')}
      </h2>
      {save.isError && !atField && <ErrorMessage>{errorText(save.error)}</ErrorMessage>}
      {m ? (
        <p className="text-sm text-slate-600">
          {t('admin.paymentMethods.kind')}: {kind?.label ?? m.kind}
        </p>
      ) : (
        <Field label={t('admin.paymentMethods.kind')}>
          {(id) => (
            <>
              <select
                id={id}
                required
                className={`${inputClass} min-h-11`}
                value={kindName}
                aria-invalid={errorOf('kind') ? true : undefined}
                onChange={(e) => {
                  setKindName(e.target.value);
                  edited();
                }}
              >
                <option value="">{t('admin.paymentMethods.chooseKind')}</option>
                {props.kinds.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                  </option>
                ))}
              </select>
              <FieldError text={errorOf('kind')} />
            </>
          )}
        </Field>
      )}
      {kind && (
        <>
          <div className="grid gap-3 sm:grid-cols-2">
            <Checked error={errorOf('name')}>
              <TextField
                label={t('admin.paymentMethods.name')}
                hint={t('admin.paymentMethods.nameHint')}
                value={name}
                onChange={(v) => {
                  setName(v);
                  edited();
                }}
                maxLength={60}
                required
                autoComplete="off"
              />
            </Checked>
            <Checked error={errorOf('adjustPercent')}>
              <TextField
                label={t('admin.paymentMethods.adjustField')}
                hint={t('admin.paymentMethods.adjustHint')}
                value={adjust}
                onChange={(v) => {
                  setAdjust(v);
                  edited();
                }}
                inputMode="decimal"
                autoComplete="off"
              />
            </Checked>
            <Checked error={errorOf('min')}>
              <TextField
                label={t('admin.paymentMethods.min')}
                value={min}
                onChange={(v) => {
                  setMin(v);
                  edited();
                }}
                inputMode="decimal"
                required
                autoComplete="off"
              />
            </Checked>
            <Checked error={errorOf('max')}>
              <TextField
                label={t('admin.paymentMethods.max')}
                value={max}
                onChange={(v) => {
                  setMax(v);
                  edited();
                }}
                inputMode="decimal"
                required
                autoComplete="off"
              />
            </Checked>
          </div>
          <Field
            label={t('admin.paymentMethods.instructions')}
            hint={t('admin.paymentMethods.instructionsHint')}
          >
            {(id, hint) => (
              <>
                <textarea
                  id={id}
                  aria-describedby={hint}
                  className={inputClass}
                  rows={3}
                  maxLength={2000}
                  value={instructions}
                  onChange={(e) => {
                    setInstructions(e.target.value);
                    edited();
                  }}
                />
                <FieldError text={errorOf('instructions')} />
              </>
            )}
          </Field>
          {kind.fields.length > 0 && (
            <fieldset className="space-y-3 rounded-md border border-slate-200 p-3">
              <legend className="px-1 text-sm font-semibold">
                {t('admin.paymentMethods.kindSettings', { kind: kind.label })}
              </legend>
              {kind.fields.map((x) =>
                x.secret ? (
                  <SecretInput
                    key={x.name}
                    field={x}
                    isSet={m?.secretsSet.includes(x.name) ?? false}
                    editing={!!m}
                    value={settings[x.name] ?? ''}
                    error={errorOf(x.name)}
                    onChange={(v) => {
                      setSettings((s) => ({ ...s, [x.name]: v }));
                      edited();
                    }}
                  />
                ) : (
                  <Checked key={x.name} error={errorOf(x.name)}>
                    <TextField
                      label={x.label}
                      hint={x.hint}
                      value={settings[x.name] ?? ''}
                      onChange={(v) => {
                        setSettings((s) => ({ ...s, [x.name]: v }));
                        edited();
                      }}
                      required={x.required}
                      autoComplete="off"
                    />
                  </Checked>
                ),
              )}
            </fieldset>
          )}
          <label className="flex min-h-11 items-center gap-3 text-sm">
            <input
              type="checkbox"
              className="size-5 shrink-0"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.target.checked);
                edited();
              }}
            />
            <span className="font-medium text-slate-800">{t('admin.paymentMethods.enabled')}</span>
          </label>
        </>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={save.isPending || !kind} className="flex-1 sm:flex-none">
          {m ? t('admin.paymentMethods.save') : t('admin.paymentMethods.create')}
        </Button>
        <Button variant="secondary" onClick={props.onClose} className="flex-1 sm:flex-none">
          {t('admin.paymentMethods.cancel')}
        </Button>
      </div>
    </form>
  );
}

function FieldError({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <p role="alert" className="text-sm font-medium text-red-700">
      {text}
    </p>
  );
}

/** A field with the server's refusal under it. */
function Checked({ error, children }: { error: string | undefined; children: React.ReactNode }) {
  return (
    <div>
      {children}
      <FieldError text={error} />
    </div>
  );
}

function SecretInput(props: {
  field: Kind['fields'][number];
  isSet: boolean;
  editing: boolean;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
}) {
  const { t } = useTranslation();
  const { field } = props;
  const state = props.isSet ? t('admin.paymentMethods.secretSet') : t('admin.paymentMethods.secretNotSet');
  const hint = [
    props.editing ? state : null,
    props.editing && props.isSet ? t('admin.paymentMethods.keepSecret') : null,
    field.hint ?? null,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Field label={field.label} hint={hint || undefined}>
      {(id, describedBy) => (
        <>
          <input
            id={id}
            aria-describedby={describedBy}
            type="password"
            autoComplete="new-password"
            className={inputClass}
            required={field.required && !props.isSet}
            placeholder={props.isSet ? '••••••••' : ''}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
          />
          <FieldError text={props.error} />
        </>
      )}
    </Field>
  );
}
