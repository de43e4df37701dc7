/** `funds`: the operator credits or deducts a user's funds. */
import type { Command } from 'commander';
import { adjustFunds } from '../../ledger/adjust-funds.js';
import { formatAmount } from '../../money.js';
import { getCurrency } from '../../settings/settings.js';
import { amountArg } from '../args.js';
import { type CliContext, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const funds = program.command('funds').description('credit or deduct funds');
  funds
    .command('add')
    .description('add funds to a user (a negative amount deducts; a balance never goes below 0)')
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--amount <amount>', 'amount in the panel currency, e.g. 25 or -3.5')
    .option('--note <text>', 'note kept in the ledger')
    .action(async (o) => {
      const amountUnits = amountArg(o.amount, 'amount');
      const db = await ctx.database();
      const r = unwrap(await adjustFunds({ db, username: o.username, amountUnits, note: o.note }));
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
}
