/** `settings`: panel-wide settings. */
import type { Command } from 'commander';
import {
  getCurrency,
  isPublicServices,
  isSignupOpen,
  setCurrency,
  setPublicServices,
  setSignupOpen,
} from '../../settings/settings.js';
import { type CliContext, CliFailure } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('panel-wide settings');
  settings
    .command('show')
    .description('show the settings')
    .action(async () => {
      const db = await ctx.database();
      const currency = await getCurrency(db);
      const signup = (await isSignupOpen(db)) ? 'open' : 'closed';
      const publicServices = (await isPublicServices(db)) ? 'on' : 'off';
      ctx.emit(
        { currency, signup, publicServices },
        `currency: ${currency}\nsignup: ${signup}\npublic services: ${publicServices}`,
      );
    });
  settings
    .command('set')
    .description('change settings')
    .option('--currency <code>', 'ISO 4217 code reported by balance and status, e.g. USD, EUR')
    .option('--signup <state>', 'whether visitors may open an account on the web panel: open or closed')
    .option(
      '--public-services <state>',
      'whether visitors who are not signed in may see the services and list prices: on or off',
    )
    .action(async (o) => {
      if (o.currency === undefined && o.signup === undefined && o.publicServices === undefined)
        throw new CliFailure(
          'nothing to set: give --currency CODE, --signup open|closed and/or --public-services on|off',
        );
      if (o.signup !== undefined && o.signup !== 'open' && o.signup !== 'closed')
        throw new CliFailure('signup must be open or closed');
      if (o.publicServices !== undefined && o.publicServices !== 'on' && o.publicServices !== 'off')
        throw new CliFailure('public-services must be on or off');
      const db = await ctx.database();
      if (o.currency !== undefined && !(await setCurrency(db, o.currency)))
        throw new CliFailure('currency must be a 3-letter ISO code in capitals, e.g. EUR');
      if (o.signup !== undefined) await setSignupOpen(db, o.signup === 'open');
      if (o.publicServices !== undefined) await setPublicServices(db, o.publicServices === 'on');
      const shown: Record<string, string> = {};
      if (o.currency !== undefined) shown.currency = o.currency;
      if (o.signup !== undefined) shown.signup = o.signup;
      if (o.publicServices !== undefined) shown.publicServices = o.publicServices;
      ctx.emit(
        shown,
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    });
}
