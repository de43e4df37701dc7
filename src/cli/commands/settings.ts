/** `settings`: panel-wide settings. */
import type { Command } from 'commander';
import { getCurrency, isSignupOpen, setCurrency, setSignupOpen } from '../../settings/settings.js';
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
      ctx.emit({ currency, signup }, `currency: ${currency}\nsignup: ${signup}`);
    });
  settings
    .command('set')
    .description('change settings')
    .option('--currency <code>', 'ISO 4217 code reported by balance and status, e.g. USD, EUR')
    .option('--signup <state>', 'whether visitors may open an account on the web panel: open or closed')
    .action(async (o) => {
      if (o.currency === undefined && o.signup === undefined)
        throw new CliFailure('nothing to set: give --currency CODE and/or --signup open|closed');
      if (o.signup !== undefined && o.signup !== 'open' && o.signup !== 'closed')
        throw new CliFailure('signup must be open or closed');
      const db = await ctx.database();
      if (o.currency !== undefined && !(await setCurrency(db, o.currency)))
        throw new CliFailure('currency must be a 3-letter ISO code in capitals, e.g. EUR');
      if (o.signup !== undefined) await setSignupOpen(db, o.signup === 'open');
      const shown: Record<string, string> = {};
      if (o.currency !== undefined) shown.currency = o.currency;
      if (o.signup !== undefined) shown.signup = o.signup;
      ctx.emit(
        shown,
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    });
}
