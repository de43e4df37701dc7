/**
 * Use case: the panel-wide settings as an admin sees them on the admin page (settings.write: only who
 * may change them may read them all). The SMTP URL's password is masked, as in `settings show`.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import {
  getCurrency,
  getMailSettings,
  getPanelName,
  isPublicServices,
  isSignupOpen,
  isStaffTwoFactorRequired,
  maskSmtpUrl,
} from './settings.js';

export interface SettingsView {
  panelName: string;
  currency: string;
  signupOpen: boolean;
  publicServices: boolean;
  /** Staff must use two-factor sign-in to use the admin area. */
  staffTwoFactorRequired: boolean;
  /** Masked (`smtp://user:****@host:587`); null: no mail server. */
  smtpUrl: string | null;
  mailFrom: string | null;
  publicUrl: string | null;
  passwordResetByMail: boolean;
}

export async function showSettings(opts: {
  db: Executor;
  actor: Actor;
}): Promise<Result<SettingsView, FailureOf<'forbidden'>>> {
  if (!can(opts.actor.role, 'settings.write')) return fail({ code: 'forbidden' });
  return ok(await readSettingsView(opts.db));
}

/** Every setting as staff see it (the SMTP password masked); also what the audit log records. */
export async function readSettingsView(db: Executor): Promise<SettingsView> {
  const mail = await getMailSettings(db);
  return {
    panelName: await getPanelName(db),
    currency: await getCurrency(db),
    signupOpen: await isSignupOpen(db),
    publicServices: await isPublicServices(db),
    staffTwoFactorRequired: await isStaffTwoFactorRequired(db),
    smtpUrl: mail.smtpUrl === null ? null : maskSmtpUrl(mail.smtpUrl),
    mailFrom: mail.mailFrom,
    publicUrl: mail.publicUrl,
    passwordResetByMail: mail.smtpUrl !== null && mail.publicUrl !== null,
  };
}
