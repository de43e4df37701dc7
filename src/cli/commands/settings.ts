/** `settings`: panel-wide settings. */
import type { Command } from 'commander';
import { getCurrency, setCurrency } from '../../settings/settings.js';
import { type CliContext, CliFailure } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('panel-wide settings');
  settings
    .command('show')
    .description('show the settings')
    .action(async () => {
      const db = await ctx.database();
      const currency = await getCurrency(db);
      ctx.emit({ currency }, `currency: ${currency}`);
    });
  settings
    .command('set')
    .description('change settings')
    .requiredOption('--currency <code>', 'ISO 4217 code reported by balance and status, e.g. USD, EUR')
    .action(async (o) => {
      const db = await ctx.database();
      if (!(await setCurrency(db, o.currency)))
        throw new CliFailure('currency must be a 3-letter ISO code in capitals, e.g. EUR');
      ctx.emit({ currency: o.currency }, `currency: ${o.currency}`);
    });
}
