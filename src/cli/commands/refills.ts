/** `refills`: refill requests. */
import type { Command } from 'commander';
import { listRefills } from '../../refills/list-refills.js';
import { API_REFILL_STATUS, parseRefillStatus } from '../../refills/refill.state.js';
import { setRefillStatus } from '../../refills/set-refill-status.js';
import { idArg, intArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const refills = program.command('refills').description('refill requests');
  refills
    .command('list')
    .description('refill requests, open ones first (--open for only those)')
    .option('--open', 'only open requests (Pending, In progress)')
    .option('--limit <n>', 'how many', '100')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const rows = await listRefills({ db, openOnly: !!o.open, limit });
      ctx.emit(
        { refills: rows },
        table(
          ['id', 'order', 'user', 'status', 'forwarding', 'created', 'error'],
          rows.map((r) => [
            r.id,
            r.order,
            r.username,
            r.status,
            `${r.forwarding}${r.upstreamRefill ? ` #${r.upstreamRefill}` : ''}`,
            r.createdAt,
            r.error,
          ]),
          'no refill requests',
        ),
      );
    });
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
      unwrap(await setRefillStatus({ db, actor: await ctx.actor(), refillId, status }));
      ctx.emit(
        { refill: refillId, status: API_REFILL_STATUS[status] },
        `refill ${refillId}: ${API_REFILL_STATUS[status]}`,
      );
    });
}
