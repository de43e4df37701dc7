/** `ledger`: the books. `ledger check` exits 2 when it finds a difference. */
import type { Command } from 'commander';
import { checkLedger } from '../../ledger/check-ledger.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const ledger = program.command('ledger').description('the money ledger');
  ledger
    .command('check')
    .description('recompute every balance and order from the ledger and report differences (exit 2 if any)')
    .action(async () => {
      const db = await ctx.database();
      const r = await checkLedger({ db });
      ctx.emit(
        { ok: r.problems.length === 0, users: r.users, orders: r.orders, problems: r.problems },
        r.problems.length === 0
          ? `ledger ok: ${r.users} users, ${r.orders} orders, every balance equals the sum of its entries`
          : [
              `ledger: ${r.problems.length} problem(s)`,
              ...r.problems.map(
                (p) =>
                  `  ${p.kind} user ${p.userId ?? '-'} order ${p.orderId ?? '-'}: expected ${p.expected}, found ${p.actual}`,
              ),
            ],
      );
      if (r.problems.length > 0) ctx.setExitCode(2);
    });
}
