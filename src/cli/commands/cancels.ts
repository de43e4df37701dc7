/** `cancels`: cancel requests customers made that are still waiting (their order has not ended). */
import type { Command } from 'commander';
import { listCancelRequests } from '../../cancels/list-cancel-requests.js';
import { intArg } from '../args.js';
import type { CliContext } from '../context.js';
import { table } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const cancels = program.command('cancels').description('cancel requests');
  cancels
    .command('list')
    .description('cancel requests whose order has not ended yet, oldest first')
    .option('--limit <n>', 'how many', '100')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const rows = await listCancelRequests({ db, limit });
      ctx.emit(
        { cancels: rows },
        table(
          ['order', 'user', 'service', 'status', 'requested', 'state'],
          rows.map((c) => [c.order, c.username, c.service, c.status, c.requestedAt, c.state]),
          'no cancel requests waiting',
        ),
      );
    });
}
