/** `settings`: panel-wide settings. */
import type { Command } from 'commander';
import { failureMessage } from '../../result.js';
import {
  checkSettings,
  getCurrency,
  getMailSettings,
  getPanelName,
  isPublicServices,
  isSignupOpen,
  isStaffTwoFactorRequired,
  maskSmtpUrl,
} from '../../settings/settings.js';
import { updateSettings } from '../../settings/update-settings.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';

const OFF = 'off';

export function register(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('panel-wide settings');
  settings
    .command('show')
    .description('show the settings (the SMTP password is masked)')
    .action(async () => {
      const db = await ctx.database();
      const currency = await getCurrency(db);
      const panelName = await getPanelName(db);
      const signup = (await isSignupOpen(db)) ? 'open' : 'closed';
      const mail = await getMailSettings(db);
      const smtpUrl = mail.smtpUrl === null ? OFF : maskSmtpUrl(mail.smtpUrl);
      const mailFrom = mail.mailFrom ?? OFF;
      const publicUrl = mail.publicUrl ?? OFF;
      const resetByMail = mail.smtpUrl !== null && mail.publicUrl !== null;
      const publicServices = (await isPublicServices(db)) ? 'on' : 'off';
      const staffTwoFactor = (await isStaffTwoFactorRequired(db)) ? 'required' : 'optional';
      const facts = {
        panelName,
        currency,
        signup,
        publicServices,
        staffTwoFactor,
        smtpUrl,
        mailFrom,
        publicUrl,
      };
      ctx.emit({ ...facts, passwordResetByMail: resetByMail }, [
        `panel-name: ${panelName}`,
        `currency: ${currency}`,
        `signup: ${signup}`,
        `public-services: ${publicServices}`,
        `staff-two-factor: ${staffTwoFactor}`,
        `smtp-url: ${smtpUrl}`,
        `mail-from: ${mailFrom}`,
        `public-url: ${publicUrl}`,
        `password reset by mail: ${resetByMail ? 'on' : 'off (needs smtp-url and public-url; until then `users password` resets)'}`,
      ]);
    });
  settings
    .command('set')
    .description('change settings (all are checked first: on an error nothing changes)')
    .option('--currency <code>', 'ISO 4217 code reported by balance and status, e.g. USD, EUR')
    .option('--panel-name <name>', 'the name in the web panel\'s header (1-60 characters), e.g. "Fast Likes"')
    .option('--signup <state>', 'whether visitors may open an account on the web panel: open or closed')
    .option(
      '--public-services <state>',
      'whether visitors who are not signed in may see the services and list prices: on or off',
    )
    .option(
      '--staff-two-factor <state>',
      'whether staff must use two-factor sign-in for the admin area: required or optional',
    )
    .option(
      '--smtp-url <url>',
      'mail server for password reset mails, e.g. smtp://user:pass@host:587 or smtps://...; off: no mail',
    )
    .option(
      '--mail-from <address>',
      'sender of the mails, e.g. support@panel.example; off: no-reply@<public-url host>',
    )
    .option(
      '--public-url <url>',
      "the panel's address that reset links point to, e.g. https://panel.example; off: no reset by mail",
    )
    .action(async (o) => {
      const given = [
        'currency',
        'panelName',
        'signup',
        'publicServices',
        'staffTwoFactor',
        'smtpUrl',
        'mailFrom',
        'publicUrl',
      ].filter((k) => o[k] !== undefined);
      if (given.length === 0)
        throw new CliFailure(
          'nothing to set: give --currency, --panel-name, --signup, --public-services, --staff-two-factor, --smtp-url, --mail-from and/or --public-url',
        );
      // Check everything before writing anything.
      if (o.signup !== undefined && o.signup !== 'open' && o.signup !== 'closed')
        throw new CliFailure('signup must be open or closed');
      if (o.publicServices !== undefined && o.publicServices !== 'on' && o.publicServices !== 'off')
        throw new CliFailure('public-services must be on or off');
      if (
        o.staffTwoFactor !== undefined &&
        o.staffTwoFactor !== 'required' &&
        o.staffTwoFactor !== 'optional'
      )
        throw new CliFailure('staff-two-factor must be required or optional');
      const offOrValue = (v: string | undefined) => (v === OFF ? null : v);
      const checked = checkSettings({
        currency: o.currency,
        panelName: o.panelName,
        signupOpen: o.signup === undefined ? undefined : o.signup === 'open',
        publicServices: o.publicServices === undefined ? undefined : o.publicServices === 'on',
        staffTwoFactorRequired: o.staffTwoFactor === undefined ? undefined : o.staffTwoFactor === 'required',
        smtpUrl: offOrValue(o.smtpUrl),
        mailFrom: offOrValue(o.mailFrom),
        publicUrl: offOrValue(o.publicUrl),
      });
      if (!checked.ok) {
        const f = checked.failure;
        const mailish = f.setting === 'smtp-url' || f.setting === 'mail-from' || f.setting === 'public-url';
        throw new CliFailure(`${failureMessage(f)}${mailish ? ', or off' : ''}`);
      }
      const { mail, ...rest } = checked.value;
      const db = await ctx.database();
      const r = await updateSettings({
        db,
        actor: await ctx.actor(),
        changes: { ...rest, mail },
      });
      unwrap(r);
      const shown: Record<string, string> = {};
      if (o.currency !== undefined) shown.currency = o.currency;
      if (rest.panelName !== undefined) shown['panel-name'] = rest.panelName;
      if (o.signup !== undefined) shown.signup = o.signup;
      if (o.publicServices !== undefined) shown['public-services'] = o.publicServices;
      if (o.staffTwoFactor !== undefined) shown['staff-two-factor'] = o.staffTwoFactor;
      if (mail.smtpUrl !== undefined)
        shown['smtp-url'] = mail.smtpUrl === null ? OFF : maskSmtpUrl(mail.smtpUrl);
      if (mail.mailFrom !== undefined) shown['mail-from'] = mail.mailFrom ?? OFF;
      if (mail.publicUrl !== undefined) shown['public-url'] = mail.publicUrl ?? OFF;
      ctx.emit(
        shown,
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    });
}
