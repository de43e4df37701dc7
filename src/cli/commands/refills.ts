/** `refills`: refill requests. */
import type { Command } from 'commander';
import { API_REFILL_STATUS, parseRefillStatus } from '../../refills/refill.state.js';
import { setRefillStatus } from '../../refills/set-refill-status.js';
import { idArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const refills = program.command('refills').description('refill requests');
  refills
    .command('set')
    .description('move a refill request (Pending, "In progress", Completed, Rejected, Canceled)')
    .requiredOption('--refill <id>', 'refill id')
    .requiredOption('--status <status>', 'new status')
    .action(async (o) => {
      const refillId = idArg(o.refill, 'refill');
      const status = parseRefillStatus(o.status);
      if (status === null)
        throw new CliFailure(
          `unknown status "${o.status}" (use ${Object.values(API_REFILL_STATUS).join(', ')})`,
        );
      const db = await ctx.database();
      unwrap(await setRefillStatus({ db, refillId, status }));
      ctx.emit(
        { refill: refillId, status: API_REFILL_STATUS[status] },
        `refill ${refillId}: ${API_REFILL_STATUS[status]}`,
      );
    });
}
