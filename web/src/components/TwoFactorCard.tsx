/**
 * The Account page's two-factor sign-in: set up (QR code made by the server, the secret as text for
 * typing in), confirm with a code, recovery codes shown once; when on: new recovery codes (a code)
 * and turning off (password and a code, or a recovery code).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Schemas, unwrap } from '../api';
import { meKey } from '../session';
import { useFormat } from '../use-format';
import { Button, Card, ErrorMessage, Field, inputClass, Loading, Notice, PasswordField } from './ui';

const statusKey = ['two-factor'] as const;

export function TwoFactorCard() {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useQuery({ queryKey: statusKey, queryFn: () => unwrap(api.GET('/api/web/account/two-factor')) });
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <Card>
      <h2 className="mb-2 font-semibold">{t('twoFactor.title')}</h2>
      <p className="mb-3 text-sm text-slate-600">{t('twoFactor.help')}</p>
      {q.isPending && <Loading label={t('common.loading')} />}
      {q.isError && <ErrorMessage>{errorText(q.error)}</ErrorMessage>}
      {codes ? (
        <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />
      ) : (
        q.data &&
        (q.data.enabled ? (
          <div className="space-y-4">
            <p className="text-sm font-medium text-emerald-800">
              {t('twoFactor.onSince', { date: q.data.enabledAt ? f.dateTime(q.data.enabledAt) : '' })}
            </p>
            <p className="text-sm">{t('twoFactor.codesLeft', { count: q.data.recoveryCodesLeft })}</p>
            <NewCodes onCodes={setCodes} />
            <TurnOff />
          </div>
        ) : (
          <>
            {q.data.requiredForYou && <Notice>{t('twoFactor.requiredForStaff')}</Notice>}
            <SetUp onCodes={setCodes} />
          </>
        ))
      )}
    </Card>
  );
}

function CodeInput(props: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <Field label={props.label}>
      {(id) => (
        <input
          id={id}
          className={`${inputClass} font-mono tracking-widest`}
          autoComplete="one-time-code"
          inputMode="numeric"
          maxLength={7}
          required
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

function SetUp({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [code, setCode] = useState('');
  const start = useMutation({ mutationFn: () => unwrap(api.POST('/api/web/account/two-factor/setup')) });
  const enable = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/account/two-factor/enable', { body: { code } })),
    onSuccess: async (r) => {
      onCodes(r.recoveryCodes);
      start.reset();
      setCode('');
      await qc.invalidateQueries({ queryKey: statusKey });
      await qc.invalidateQueries({ queryKey: meKey });
      await qc.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
  if (!start.data)
    return (
      <div className="space-y-2">
        <ErrorMessage>{errorText(start.error)}</ErrorMessage>
        <Button disabled={start.isPending} onClick={() => start.mutate()}>
          {t('twoFactor.setUp')}
        </Button>
      </div>
    );
  return <Pending setup={start.data} code={code} setCode={setCode} enable={enable} />;
}

function Pending(props: {
  setup: Schemas['TwoFactorSetup'];
  code: string;
  setCode: (v: string) => void;
  enable: { mutate: () => void; isPending: boolean; error: unknown };
}) {
  const { t } = useTranslation();
  const { setup, enable } = props;
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!enable.isPending) enable.mutate();
      }}
    >
      <ol className="list-decimal space-y-1 pl-5 text-sm">
        <li>{t('twoFactor.step1')}</li>
        <li>{t('twoFactor.step2')}</li>
      </ol>
      <img
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`}
        alt={t('twoFactor.qrAlt')}
        className="h-48 w-48 rounded border border-slate-200 bg-white"
      />
      <div>
        <p className="text-xs text-slate-500">{t('twoFactor.secretLabel')}</p>
        <code
          data-testid="two-factor-secret"
          className="block select-all break-all rounded bg-slate-100 p-2 font-mono text-base"
        >
          {setup.secret}
        </code>
      </div>
      <CodeInput label={t('twoFactor.codeToConfirm')} value={props.code} onChange={props.setCode} />
      <ErrorMessage>{errorText(enable.error)}</ErrorMessage>
      <Button type="submit" disabled={enable.isPending}>
        {t('twoFactor.turnOn')}
      </Button>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-3">
      <Notice>{t('twoFactor.codesShownOnce')}</Notice>
      <ul
        aria-label={t('twoFactor.recoveryCodes')}
        className="grid grid-cols-2 gap-2 rounded bg-slate-100 p-3 font-mono text-base"
      >
        {codes.map((c) => (
          <li key={c} className="select-all">
            {c}
          </li>
        ))}
      </ul>
      <Button onClick={onDone}>{t('twoFactor.savedThem')}</Button>
    </div>
  );
}

function NewCodes({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [code, setCode] = useState('');
  const [open, setOpen] = useState(false);
  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/account/two-factor/recovery-codes', { body: { code } })),
    onSuccess: async (r) => {
      setOpen(false);
      setCode('');
      onCodes(r.recoveryCodes);
      await qc.invalidateQueries({ queryKey: statusKey });
    },
  });
  if (!open)
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {t('twoFactor.newCodes')}
      </Button>
    );
  return (
    <form
      className="space-y-3 rounded-md border border-slate-200 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!send.isPending) send.mutate();
      }}
    >
      <p className="text-sm">{t('twoFactor.newCodesHelp')}</p>
      <CodeInput label={t('twoFactor.code')} value={code} onChange={setCode} />
      <ErrorMessage>{errorText(send.error)}</ErrorMessage>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={send.isPending}>
          {t('twoFactor.makeCodes')}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          {t('twoFactor.cancel')}
        </Button>
      </div>
    </form>
  );
}

function TurnOff() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const off = useMutation({
    mutationFn: () => unwrap(api.POST('/api/web/account/two-factor/disable', { body: { password, code } })),
    onSuccess: async () => {
      setOpen(false);
      setPassword('');
      setCode('');
      await qc.invalidateQueries({ queryKey: statusKey });
      await qc.invalidateQueries({ queryKey: meKey });
      await qc.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
  if (!open)
    return (
      <Button variant="danger" onClick={() => setOpen(true)}>
        {t('twoFactor.turnOff')}
      </Button>
    );
  return (
    <form
      className="space-y-3 rounded-md border border-red-200 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!off.isPending) off.mutate();
      }}
    >
      <p className="text-sm">{t('twoFactor.turnOffHelp')}</p>
      <PasswordField
        label={t('account.currentPassword')}
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <CodeInput label={t('twoFactor.code')} value={code} onChange={setCode} />
      <ErrorMessage>{errorText(off.error)}</ErrorMessage>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="danger" disabled={off.isPending}>
          {t('twoFactor.turnOffYes')}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          {t('twoFactor.cancel')}
        </Button>
      </div>
    </form>
  );
}
