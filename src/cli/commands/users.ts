/** `users`: customer and operator accounts. */
import type { Command } from 'commander';
import { createUser } from '../../accounts/create-user.js';
import { rotateApiKey } from '../../accounts/rotate-key.js';
import { findUserByUsername } from '../../accounts/users.repo.js';
import { formatAmount } from '../../money.js';
import { getCurrency } from '../../settings/settings.js';
import { amountArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('customer and operator accounts');
  users
    .command('create')
    .description('create a user and print its API key (shown only this once)')
    .requiredOption('--username <name>', 'login name (3-64 of letters, digits, _ . -)')
    .option('--password <password>', 'web login password (at least 8 characters)')
    .option('--balance <amount>', 'opening balance', '0')
    .option('--admin', 'make the user an operator')
    .action(async (o) => {
      const balanceUnits = amountArg(o.balance, 'balance');
      if (balanceUnits < 0n) throw new CliFailure('balance cannot be negative');
      const db = await ctx.database();
      const r = unwrap(
        await createUser({
          db,
          input: { username: o.username, password: o.password, balanceUnits, admin: !!o.admin },
        }),
      );
      ctx.emit({ id: r.id, username: r.username, apiKey: r.apiKey, balance: formatAmount(balanceUnits) }, [
        `created user ${r.username} (id ${r.id})`,
        `API key: ${r.apiKey}`,
        'The key is shown only now; `smm-panel users key` makes a new one.',
      ]);
    });
  users
    .command('key')
    .description('replace a user API key with a new one (the old one stops working) and print it')
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const db = await ctx.database();
      const r = unwrap(await rotateApiKey({ db, username: o.username }));
      ctx.emit({ id: r.id, username: o.username, apiKey: r.apiKey }, [
        `new API key for ${o.username}: ${r.apiKey}`,
      ]);
    });
  users
    .command('show')
    .description("show a user's balance")
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const db = await ctx.database();
      const u = await findUserByUsername(db, o.username);
      if (!u) throw new CliFailure('User not found');
      const currency = await getCurrency(db);
      ctx.emit(
        {
          id: u.id,
          username: u.username,
          admin: u.isAdmin,
          disabled: u.disabled,
          balance: formatAmount(u.balanceUnits),
          currency,
        },
        `${u.username} (id ${u.id}${u.isAdmin ? ', admin' : ''}): balance ${formatAmount(u.balanceUnits)} ${currency}`,
      );
    });
}
