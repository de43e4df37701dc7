/** Small building blocks shared by the pages: labelled fields, buttons, messages. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

export const inputClass =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-indigo-500';

export function Field(props: {
  label: string;
  hint?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {props.label}
      </label>
      {props.children(id, hintId)}
      {props.hint && (
        <p id={hintId} className="text-xs text-slate-500">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A one-line text input with its label and hint; the other input attributes pass through. */
export function TextField({
  label,
  hint,
  value,
  onChange,
  ...input
}: {
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id' | 'className'>) {
  return (
    <Field label={label} hint={hint}>
      {(id, describedBy) => (
        <input
          {...input}
          id={id}
          aria-describedby={describedBy}
          className={inputClass}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** A required password input with its label; `autoComplete` tells password managers to fill or to suggest. */
export function PasswordField(props: {
  label: string;
  hint?: string | undefined;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id, describedBy) => (
        <input
          id={id}
          aria-describedby={describedBy}
          type="password"
          autoComplete={props.autoComplete}
          required
          className={inputClass}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function Button(
  props: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' },
) {
  const { variant = 'primary', className = '', ...rest } = props;
  const look =
    variant === 'primary'
      ? 'bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300'
      : variant === 'danger'
        ? 'bg-white text-red-700 border border-red-300 hover:bg-red-50 disabled:opacity-50'
        : 'bg-white text-slate-800 border border-slate-300 hover:bg-slate-50 disabled:opacity-50';
  return (
    <button
      type="button"
      {...rest}
      className={`inline-flex min-h-11 items-center justify-center rounded-md px-4 py-2 text-sm font-semibold ${look} ${className}`}
    />
  );
}

/**
 * A button whose action cannot be undone (cancel an order, replace the API key): the first tap asks,
 * the second does it, so a slip of the thumb on a phone changes nothing.
 */
export function ConfirmButton(props: {
  label: string;
  ariaLabel?: string | undefined;
  question: string;
  confirmLabel: string;
  /** The button that asks nothing more; "No, keep it" unless told. */
  keepLabel?: string | undefined;
  disabled?: boolean | undefined;
  variant?: 'secondary' | 'danger';
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <Button
        variant={props.variant ?? 'danger'}
        disabled={props.disabled}
        aria-label={props.ariaLabel}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </Button>
    );
  return (
    <fieldset className="flex flex-wrap items-center gap-2">
      <legend className="mb-1 w-full text-sm font-medium">{props.question}</legend>
      <Button
        variant="danger"
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </Button>
      <Button variant="secondary" onClick={() => setAsking(false)}>
        {props.keepLabel ?? t('common.no')}
      </Button>
    </fieldset>
  );
}

export function ErrorMessage({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {children}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p
      role="status"
      className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
    >
      {children}
    </p>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p role="status" aria-live="polite" className="py-6 text-center text-sm text-slate-500">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <p className="rounded-md border border-dashed border-slate-300 p-6 text-center text-slate-600">
      {children}
    </p>
  );
}

export function Card({ children, className = '' }: { children: ReactNode; className?: string }) {
  return (
    <div className={`rounded-lg border border-slate-200 bg-white p-4 shadow-sm ${className}`}>{children}</div>
  );
}

export function PageTitle({ children }: { children: ReactNode }) {
  return <h1 className="mb-4 text-xl font-bold sm:text-2xl">{children}</h1>;
}

/** A customer's link as text; a live link only when it is http(s). */
export function LinkText({ link }: { link: string | null }) {
  if (!link) return <span>—</span>;
  const live = /^https?:\/\//i.test(link);
  return live ? (
    <a
      href={link}
      target="_blank"
      rel="noopener noreferrer nofollow"
      className="break-all text-indigo-700 underline"
    >
      {link}
    </a>
  ) : (
    <span className="break-all">{link}</span>
  );
}
