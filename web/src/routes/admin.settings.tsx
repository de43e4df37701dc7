/**
 * Admin area (admins only): the panel-wide settings. Name, currency, sign-up, public services and the
 * mail for password resets. The SMTP password is never shown: the mail server field starts empty and
 * an empty field keeps the stored server (the server never stores the masked value).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AdminSchemas, adminApi } from '../admin-api';
import { errorText, unwrap } from '../api';
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
import { meKey } from '../session';

export const Route = createFileRoute('/admin/settings')({
  component: () => (
    <RequireStaff>{(me) => (me.role === 'admin' ? <Settings /> : <AdminOnly />)}</RequireStaff>
  ),
});

function AdminOnly() {
  const { t } = useTranslation();
  return <Empty>{t('admin.settings.adminOnly')}</Empty>;
}

function Settings() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['admin', 'settings'],
    queryFn: () => unwrap(adminApi.GET('/api/admin/settings')),
  });
  return (
    <div className="space-y-4">
      <PageTitle>{t('admin.settings.title')}</PageTitle>
      <Card className="space-y-1 sm:max-w-lg">
        <h2 className="font-semibold">{t('admin.settings.payments')}</h2>
        <p className="text-sm text-slate-600">{t('admin.settings.paymentsHelp')}</p>
        <Link
          to="/admin/payment-methods"
          className="inline-block min-h-11 py-3 font-semibold text-indigo-700 underline"
        >
          {t('admin.settings.toPaymentMethods')}
        </Link>
      </Card>
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorMessage>{errorText(q.error)}</ErrorMessage>
      ) : (
        <SettingsForm current={q.data} />
      )}
    </div>
  );
}

function SettingsForm({ current }: { current: AdminSchemas['AdminSettings'] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [panelName, setPanelName] = useState(current.panelName);
  const [currency, setCurrency] = useState(current.currency);
  const [signupOpen, setSignupOpen] = useState(current.signupOpen);
  const [publicServices, setPublicServices] = useState(current.publicServices);
  const [staffTwoFactor, setStaffTwoFactor] = useState(current.staffTwoFactorRequired);
  const [smtpUrl, setSmtpUrl] = useState('');
  const [smtpOff, setSmtpOff] = useState(false);
  const [mailFrom, setMailFrom] = useState(current.mailFrom ?? '');
  const [publicUrl, setPublicUrl] = useState(current.publicUrl ?? '');
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        adminApi.POST('/api/admin/settings', {
          body: {
            panelName,
            currency: currency.trim(),
            signupOpen,
            publicServices,
            staffTwoFactorRequired: staffTwoFactor,
            // Empty: keep the stored server (its password is never sent to the browser).
            ...(smtpOff ? { smtpUrl: null } : smtpUrl.trim() ? { smtpUrl: smtpUrl.trim() } : {}),
            mailFrom: mailFrom.trim() || null,
            publicUrl: publicUrl.trim() || null,
          },
        }),
      ),
    onSuccess: async (r) => {
      setSmtpUrl('');
      setSmtpOff(false);
      setPanelName(r.settings.panelName);
      setPublicUrl(r.settings.publicUrl ?? '');
      qc.setQueryData(['admin', 'settings'], r.settings);
      await qc.invalidateQueries({ queryKey: ['panel'] });
      await qc.invalidateQueries({ queryKey: meKey });
    },
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
        <h2 className="font-semibold">{t('admin.settings.panel')}</h2>
        <TextField
          label={t('admin.settings.panelName')}
          hint={t('admin.settings.panelNameHint')}
          maxLength={60}
          required
          value={panelName}
          onChange={(v) => {
            setPanelName(v);
            edited();
          }}
        />
        <Field label={t('admin.settings.currency')} hint={t('admin.settings.currencyHint')}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              className={`${inputClass} uppercase`}
              maxLength={3}
              autoComplete="off"
              required
              value={currency}
              onChange={(e) => {
                setCurrency(e.target.value.toUpperCase());
                edited();
              }}
            />
          )}
        </Field>
        <Toggle
          label={t('admin.settings.signupOpen')}
          hint={t('admin.settings.signupOpenHint')}
          checked={signupOpen}
          onChange={(v) => {
            setSignupOpen(v);
            edited();
          }}
        />
        <Toggle
          label={t('admin.settings.publicServices')}
          hint={t('admin.settings.publicServicesHint')}
          checked={publicServices}
          onChange={(v) => {
            setPublicServices(v);
            edited();
          }}
        />
        <Toggle
          label={t('admin.settings.staffTwoFactor')}
          hint={t('admin.settings.staffTwoFactorHint')}
          checked={staffTwoFactor}
          onChange={(v) => {
            setStaffTwoFactor(v);
            edited();
          }}
        />
      </Card>
      <Card className="space-y-3 sm:max-w-lg">
        <h2 className="font-semibold">{t('admin.settings.mail')}</h2>
        <p className="text-sm text-slate-600">
          {current.passwordResetByMail ? t('admin.settings.resetOn') : t('admin.settings.resetOff')}
        </p>
        <p className="text-sm">
          {t('admin.settings.smtpNow')}{' '}
          <span className="break-all font-mono text-xs">{current.smtpUrl ?? t('admin.settings.none')}</span>
        </p>
        <TextField
          label={t('admin.settings.smtpUrl')}
          hint={t('admin.settings.smtpUrlHint')}
          type="url"
          inputMode="url"
          autoComplete="off"
          placeholder="smtps://user:pass@mail.example:465"
          disabled={smtpOff}
          value={smtpUrl}
          onChange={(v) => {
            setSmtpUrl(v);
            edited();
          }}
        />
        {current.smtpUrl !== null && (
          <Toggle
            label={t('admin.settings.smtpOff')}
            checked={smtpOff}
            onChange={(v) => {
              setSmtpOff(v);
              edited();
            }}
          />
        )}
        <TextField
          label={t('admin.settings.mailFrom')}
          hint={t('admin.settings.mailFromHint')}
          type="email"
          autoComplete="off"
          value={mailFrom}
          onChange={(v) => {
            setMailFrom(v);
            edited();
          }}
        />
        <TextField
          label={t('admin.settings.publicUrl')}
          hint={t('admin.settings.publicUrlHint')}
          type="url"
          inputMode="url"
          autoComplete="off"
          placeholder="https://panel.example"
          value={publicUrl}
          onChange={(v) => {
            setPublicUrl(v);
            edited();
          }}
        />
      </Card>
      <div className="space-y-3 sm:max-w-lg">
        {save.isError && <ErrorMessage>{errorText(save.error)}</ErrorMessage>}
        {save.isSuccess && (
          <Notice>
            {save.data.changed.length > 0 ? t('admin.settings.saved') : t('admin.settings.noChange')}
          </Notice>
        )}
        <Button type="submit" disabled={save.isPending} className="w-full sm:w-auto">
          {t('admin.settings.save')}
        </Button>
      </div>
    </form>
  );
}

function Toggle(props: { label: string; hint?: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="flex min-h-11 items-start gap-3 text-sm">
      <input
        type="checkbox"
        className="mt-0.5 size-5 shrink-0"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <span>
        <span className="block font-medium text-slate-800">{props.label}</span>
        {props.hint && <span className="block text-xs text-slate-500">{props.hint}</span>}
      </span>
    </label>
  );
}
