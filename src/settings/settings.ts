/**
 * Panel-wide settings stored in the database, so that every process (API servers, workers, the CLI)
 * sees the same values. The currency is read on every balance and status answer, so each process keeps
 * it until a setting changes (db/change-version.ts).
 */
import { VersionedCache } from '../db/change-version.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { deleteSetting, readSetting, writeSetting } from './settings.repo.js';

export const DEFAULT_CURRENCY = 'USD';
export const CURRENCY_RE = /^[A-Z]{3}$/;
/** The currency, kept until a setting changes, in this process or another (db/change-version.ts). */
const currencyCache = new VersionedCache<'currency', string>(1);

export async function getCurrency(db: Executor): Promise<string> {
  return currencyCache.get(
    db,
    'currency',
    async () => (await readSetting(db, 'currency')) ?? DEFAULT_CURRENCY,
  );
}

export async function setCurrency(db: Executor, currency: string): Promise<boolean> {
  if (!CURRENCY_RE.test(currency)) return false;
  await writeSetting(db, 'currency', currency);
  return true;
}

export const DEFAULT_PANEL_NAME = 'SMM panel';
export const MAX_PANEL_NAME = 60;

/** The panel's name shown in the web app's header (`settings set --panel-name`). */
export async function getPanelName(db: Executor): Promise<string> {
  return (await readSetting(db, 'panel_name')) ?? DEFAULT_PANEL_NAME;
}

/** A valid panel name (trimmed, 1-60 characters, no control characters), or null. */
export function parsePanelName(text: string): string | null {
  const name = text.trim();
  if (name.length === 0 || [...name].length > MAX_PANEL_NAME || /\p{Cc}/u.test(name)) return null;
  return name;
}

export async function setPanelName(db: Executor, name: string): Promise<void> {
  await writeSetting(db, 'panel_name', name);
}

/** Whether visitors may open an account on the web panel (`settings set --signup open|closed`). */
export async function isSignupOpen(db: Executor): Promise<boolean> {
  return (await readSetting(db, 'signup')) !== 'closed';
}

export async function setSignupOpen(db: Executor, open: boolean): Promise<void> {
  await writeSetting(db, 'signup', open ? 'open' : 'closed');
}

/**
 * Whether visitors who are not signed in may see the services and their list prices on the web panel
 * (`settings set --public-services on|off`; off by default).
 */
export async function isPublicServices(db: Executor): Promise<boolean> {
  return (await readSetting(db, 'public_services')) === 'on';
}

export async function setPublicServices(db: Executor, on: boolean): Promise<void> {
  await writeSetting(db, 'public_services', on ? 'on' : 'off');
}

/**
 * Whether staff (support and admin) must use two-factor sign-in (`settings set --staff-two-factor
 * required|optional`; optional by default). When required, a staff member without it can still sign in
 * (to set it up on the Account page) but every admin endpoint answers 403 two_factor_required.
 */
export async function isStaffTwoFactorRequired(db: Executor): Promise<boolean> {
  return (await readSetting(db, 'staff_two_factor')) === 'required';
}

export async function setStaffTwoFactorRequired(db: Executor, required: boolean): Promise<void> {
  await writeSetting(db, 'staff_two_factor', required ? 'required' : 'optional');
}

/**
 * Mail for password resets: the SMTP server (`smtp://user:pass@host:587`, `smtps://...`), the sender
 * address, and the panel's public address that reset links point to. The link is never built from a
 * request's Host header (an attacker chooses it: "password reset poisoning"), so reset by mail needs
 * both smtp-url and public-url.
 */
export interface MailSettings {
  smtpUrl: string | null;
  mailFrom: string | null;
  publicUrl: string | null;
}

const MAX_URL_LENGTH = 500;
export const EMAIL_RE = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;
export const MAX_EMAIL_LENGTH = 254;

/** `text` as a URL with a host and one of `protocols` (short, no spaces), or null. */
function urlWithHost(text: string, protocols: string[]): URL | null {
  if (text.length > MAX_URL_LENGTH || /\s/.test(text)) return null;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  return protocols.includes(u.protocol) && u.hostname ? u : null;
}

/** A valid smtp(s) URL in its stored form, or null. */
export function parseSmtpUrl(text: string): string | null {
  const u = urlWithHost(text, ['smtp:', 'smtps:']);
  if (!u || (u.pathname !== '' && u.pathname !== '/') || u.hash) return null;
  return text;
}

/** A valid http(s) public address without a trailing slash, or null. */
export function parsePublicUrl(text: string): string | null {
  const u = urlWithHost(text, ['http:', 'https:']);
  if (!u || u.username || u.password || u.search || u.hash) return null;
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export function isEmailAddress(text: string): boolean {
  return text.length <= MAX_EMAIL_LENGTH && EMAIL_RE.test(text);
}

/** The SMTP URL with its password replaced by `****` (for `settings show` and logs). */
export function maskSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '****';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '****';
  }
}

export async function getMailSettings(db: Executor): Promise<MailSettings> {
  return {
    smtpUrl: await readSetting(db, 'smtp_url'),
    mailFrom: await readSetting(db, 'mail_from'),
    publicUrl: await readSetting(db, 'public_url'),
  };
}

/** Whether customers can reset their password by mail (else they ask the operator). */
export async function isPasswordResetByMail(db: Executor): Promise<boolean> {
  const m = await getMailSettings(db);
  return m.smtpUrl !== null && m.publicUrl !== null;
}

/** Store validated mail settings; null clears one. The caller validated each value. */
export async function setMailSettings(db: Executor, values: Partial<MailSettings>): Promise<void> {
  const keys = { smtpUrl: 'smtp_url', mailFrom: 'mail_from', publicUrl: 'public_url' } as const;
  for (const [name, key] of Object.entries(keys) as [keyof MailSettings, string][]) {
    const v = values[name];
    if (v === undefined) continue;
    if (v === null) await deleteSetting(db, key);
    else await writeSetting(db, key, v);
  }
}

/** Settings as typed by staff (CLI or admin page); null clears a mail setting, undefined keeps it. */
export interface SettingsInput {
  currency?: string | undefined;
  panelName?: string | undefined;
  signupOpen?: boolean | undefined;
  publicServices?: boolean | undefined;
  staffTwoFactorRequired?: boolean | undefined;
  smtpUrl?: string | null | undefined;
  mailFrom?: string | null | undefined;
  publicUrl?: string | null | undefined;
}

/** The checked values of a change, ready for updateSettings. */
export interface CheckedSettings {
  currency?: string | undefined;
  panelName?: string | undefined;
  signupOpen?: boolean | undefined;
  publicServices?: boolean | undefined;
  staffTwoFactorRequired?: boolean | undefined;
  mail: Partial<MailSettings>;
}

/** Check every value first (the CLI and the admin page share the rules): the first bad one fails. */
export function checkSettings(input: SettingsInput): Result<CheckedSettings, FailureOf<'invalid_setting'>> {
  const out: CheckedSettings = {
    signupOpen: input.signupOpen,
    publicServices: input.publicServices,
    staffTwoFactorRequired: input.staffTwoFactorRequired,
    mail: {},
  };
  if (input.currency !== undefined) {
    if (!CURRENCY_RE.test(input.currency)) return fail({ code: 'invalid_setting', setting: 'currency' });
    out.currency = input.currency;
  }
  if (input.panelName !== undefined) {
    const name = parsePanelName(input.panelName);
    if (name === null) return fail({ code: 'invalid_setting', setting: 'panel-name' });
    out.panelName = name;
  }
  if (input.smtpUrl !== undefined) {
    const v = input.smtpUrl === null ? null : parseSmtpUrl(input.smtpUrl);
    if (v === null && input.smtpUrl !== null) return fail({ code: 'invalid_setting', setting: 'smtp-url' });
    out.mail.smtpUrl = v;
  }
  if (input.mailFrom !== undefined) {
    if (input.mailFrom !== null && !isEmailAddress(input.mailFrom))
      return fail({ code: 'invalid_setting', setting: 'mail-from' });
    out.mail.mailFrom = input.mailFrom;
  }
  if (input.publicUrl !== undefined) {
    const v = input.publicUrl === null ? null : parsePublicUrl(input.publicUrl);
    if (v === null && input.publicUrl !== null)
      return fail({ code: 'invalid_setting', setting: 'public-url' });
    out.mail.publicUrl = v;
  }
  return ok(out);
}
