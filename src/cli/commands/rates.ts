/** `rates`: a user's own price for a service. */
import type { Command } from 'commander';
import { setUserRate } from '../../catalog/set-user-rate.js';
import { formatRate } from '../../money.js';
import { idArg, rateArg } from '../args.js';
import { type CliContext, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const rates = program.command('rates').description("per-user rates (a user's own price for a service)");
  rates
    .command('set')
    .description('give a user their own rate for a service')
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--rate <rate>', 'price per 1000, at most 4 decimals')
    .action(async (o) => {
      const serviceId = idArg(o.service, 'service');
      const rateUnits = rateArg(o.rate);
      const db = await ctx.database();
      unwrap(await setUserRate({ db, actor: await ctx.actor(), username: o.username, serviceId, rateUnits }));
      ctx.emit(
        { username: o.username, service: serviceId, rate: formatRate(rateUnits) },
        `${o.username} now pays ${formatRate(rateUnits)} per 1000 for service ${serviceId}`,
      );
    });
  rates
    .command('clear')
    .description("remove a user's own rate (back to the service rate)")
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--service <id>', 'service id')
    .action(async (o) => {
      const serviceId = idArg(o.service, 'service');
      const db = await ctx.database();
      unwrap(
        await setUserRate({ db, actor: await ctx.actor(), username: o.username, serviceId, rateUnits: null }),
      );
      ctx.emit(
        { username: o.username, service: serviceId, rate: null },
        `${o.username} pays the service rate for service ${serviceId}`,
      );
    });
}
