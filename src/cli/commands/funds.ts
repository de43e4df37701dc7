/** `funds`: the operator credits or deducts a user's funds, and reads their history. */
import type { Command } from 'commander';
import { adjustFunds } from '../../ledger/adjust-funds.js';
import { listFundsHistory } from '../../ledger/list-funds-history.js';
import { formatAmount } from '../../money.js';
import { getCurrency } from '../../settings/settings.js';
import { amountArg, intArg } from '../args.js';
import { type CliContext, unwrap } from '../context.js';
import { table } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const funds = program.command('funds').description("credit or deduct funds; a user's funds history");
  funds
    .command('add')
    .description('add funds to a user (a negative amount deducts; a balance never goes below 0)')
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--amount <amount>', 'amount in the panel currency, e.g. 25 or -3.5')
    .option('--note <text>', 'note kept in the ledger')
    .action(async (o) => {
      const amountUnits = amountArg(o.amount, 'amount');
      const db = await ctx.database();
      const r = unwrap(
        await adjustFunds({ db, actor: await ctx.actor(), username: o.username, amountUnits, note: o.note }),
      );
      const currency = await getCurrency(db);
      ctx.emit(
        {
          userId: r.userId,
          username: o.username,
          amount: formatAmount(amountUnits),
          balance: formatAmount(r.balanceUnits),
          currency,
        },
        `${o.username}: ${amountUnits >= 0n ? 'added' : 'deducted'} ${formatAmount(amountUnits < 0n ? -amountUnits : amountUnits)}, balance ${formatAmount(r.balanceUnits)} ${currency}`,
      );
    });
  funds
    .command('history')
    .description("a user's ledger entries, newest first: deposits, adjustments, charges, refunds")
    .requiredOption('--username <name>', 'the user')
    .option('--limit <n>', 'how many entries', '100')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const r = unwrap(await listFundsHistory({ db, username: o.username, limit }));
      ctx.emit(
        { username: r.username, balance: r.balance, entries: r.entries },
        table(
          ['time', 'kind', 'amount', 'balance after', 'order', 'note'],
          r.entries.map((e) => [e.at, e.kind, e.amount, e.balanceAfter, e.order, e.note]),
          `no ledger entries for ${r.username}`,
        ),
      );
    });
}
