/** `users`: customer and operator accounts. */

import { type Command, Option } from 'commander';
import { createUser } from '../../accounts/create-user.js';
import { listUsers } from '../../accounts/list-users.js';
import { resetPassword } from '../../accounts/reset-password.js';
import { resetTwoFactor } from '../../accounts/reset-two-factor.js';
import { rotateApiKey } from '../../accounts/rotate-key.js';
import { setUserDisabled } from '../../accounts/set-user-disabled.js';
import { setUserEmailAddress } from '../../accounts/set-user-email.js';
import { setUserRole } from '../../accounts/set-user-role.js';
import { showUser } from '../../accounts/show-user.js';
import { SYSTEM } from '../../audit/actor.js';
import { formatAmount } from '../../money.js';
import { amountArg, intArg, secretArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

const PASSWORD_VISIBLE = 'visible in `ps` and shell history: prefer --password-stdin or --password-env';

export function register(program: Command, ctx: CliContext): void {
  const passwordOf = (o: { password?: string; passwordStdin?: boolean; passwordEnv?: string }) =>
    secretArg(ctx.io, 'password', {
      value: o.password,
      stdin: o.passwordStdin,
      env: o.passwordEnv,
      flag: 'password',
    });
  const users = program.command('users').description('customer and operator accounts');
  users
    .command('list')
    .description('list users (by name, or by balance with --sort balance)')
    .option('--search <text>', 'only usernames containing this text (any case)')
    .addOption(
      new Option('--state <state>', 'only active or only disabled users').choices(['active', 'disabled']),
    )
    .addOption(new Option('--sort <key>', 'order').choices(['name', 'balance']).default('name'))
    .option('--limit <n>', 'how many', '100')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const rows = await listUsers({ db, search: o.search, state: o.state, sort: o.sort, limit });
      ctx.emit(
        { users: rows },
        table(
          ['id', 'username', 'balance', 'state', 'role'],
          rows.map((u) => [u.id, u.username, u.balance, u.state, u.role]),
          'no users',
        ),
      );
    });
  users
    .command('create')
    .description('create a user and print its API key (shown only this once)')
    .requiredOption('--username <name>', 'login name (3-64 of letters, digits, _ . -)')
    .option('--password <password>', `web login password, at least 8 characters (${PASSWORD_VISIBLE})`)
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--password-env <name>', 'read the password from this environment variable')
    .option('--balance <amount>', 'opening balance', '0')
    .addOption(
      new Option('--role <role>', 'customer, or a staff role (support, admin)')
        .choices(['customer', 'support', 'admin'])
        .default('customer'),
    )
    .option('--admin', 'same as --role admin')
    .option('--email <address>', 'e-mail for password reset links (optional)')
    .action(async (o) => {
      const balanceUnits = amountArg(o.balance, 'balance');
      if (balanceUnits < 0n) throw new CliFailure('balance cannot be negative');
      const password = await passwordOf(o);
      const role = o.admin ? 'admin' : o.role;
      const db = await ctx.database();
      // The first admin of a database that has none yet (before the first start) is made as the
      // first start makes it: by no one.
      const acting = await ctx.actorResult();
      const actor =
        !acting.ok && acting.failure.code === 'no_admin' && role === 'admin' ? SYSTEM : unwrap(acting);
      const r = unwrap(
        await createUser({
          db,
          actor,
          input: { username: o.username, password, balanceUnits, role, email: o.email },
        }),
      );
      ctx.emit({ id: r.id, username: r.username, apiKey: r.apiKey, balance: formatAmount(balanceUnits) }, [
        `created user ${r.username} (id ${r.id})`,
        `API key: ${r.apiKey}`,
        'The key is shown only now; `smm-panel users key` makes a new one.',
      ]);
    });
  users
    .command('role')
    .description('make an account a customer or staff (support, admin); admins only')
    .requiredOption('--username <name>', 'the user')
    .addOption(
      new Option('--role <role>', 'the new role')
        .choices(['customer', 'support', 'admin'])
        .makeOptionMandatory(),
    )
    .action(async (o) => {
      const db = await ctx.database();
      const r = unwrap(
        await setUserRole({ db, actor: await ctx.actor(), username: o.username, role: o.role }),
      );
      ctx.emit(
        { userId: r.userId, username: o.username, from: r.from, role: r.to },
        `${o.username}: ${r.from} -> ${r.to}`,
      );
    });
  users
    .command('key')
    .description('replace a user API key with a new one (the old one stops working) and print it')
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const db = await ctx.database();
      const r = unwrap(await rotateApiKey({ db, actor: await ctx.actor(), username: o.username }));
      ctx.emit({ id: r.id, username: o.username, apiKey: r.apiKey }, [
        `new API key for ${o.username}: ${r.apiKey}`,
      ]);
    });
  users
    .command('show')
    .description("show a user's balance, state and number of orders")
    .requiredOption('--username <name>', 'the user')
    .action(async (o) => {
      const db = await ctx.database();
      const u = unwrap(await showUser({ db, username: o.username }));
      ctx.emit(
        {
          id: u.id,
          username: u.username,
          admin: u.admin,
          disabled: u.state === 'disabled',
          state: u.state,
          balance: u.balance,
          currency: u.currency,
          orders: u.orders,
          created_at: u.createdAt,
          email: u.email,
        },
        `${u.username} (id ${u.id}${u.role !== 'customer' ? `, ${u.role}` : ''}${u.state === 'disabled' ? ', DISABLED' : ''}): balance ${u.balance} ${u.currency}, ${u.orders} order(s), since ${u.createdAt}, e-mail ${u.email ?? 'none'}`,
      );
    });
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(name)
      .description(
        disabled
          ? 'disable a user: their API key (and web sessions) stop working at once; balance and orders stay'
          : 'enable a disabled user again',
      )
      .requiredOption('--username <name>', 'the user')
      .action(async (o) => {
        const db = await ctx.database();
        const r = unwrap(
          await setUserDisabled({ db, actor: await ctx.actor(), username: o.username, disabled }),
        );
        ctx.emit(
          { id: r.id, username: r.username, state: disabled ? 'disabled' : 'active', changed: r.changed },
          `${r.username} ${r.changed ? 'is now' : 'was already'} ${disabled ? 'disabled' : 'active'}`,
        );
      });
  }
  users
    .command('two-factor-off')
    .description(
      "turn off a user's two-factor sign-in (lost phone and recovery codes); ends their web sessions",
    )
    .requiredOption('--username <name>', 'the user')
    .option('--note <text>', 'why (kept in the audit log)')
    .action(async (o) => {
      const db = await ctx.database();
      const r = unwrap(
        await resetTwoFactor({ db, actor: await ctx.actor(), user: { username: o.username }, note: o.note }),
      );
      ctx.emit(
        { username: o.username, twoFactor: false, endedSessions: r.endedSessions },
        `two-factor sign-in of ${o.username} is off; ${r.endedSessions} session(s) ended`,
      );
    });
  users
    .command('password')
    .description('set a new web password (without one, generate it and print it once)')
    .requiredOption('--username <name>', 'the user')
    .option('--password <password>', `the new password (${PASSWORD_VISIBLE})`)
    .option('--password-stdin', 'read the new password from the first line of standard input')
    .option('--password-env <name>', 'read the new password from this environment variable')
    .action(async (o) => {
      const password = await passwordOf(o);
      const db = await ctx.database();
      const r = unwrap(await resetPassword({ db, actor: await ctx.actor(), username: o.username, password }));
      const ended = `${r.endedSessions} web session(s) ended`;
      ctx.emit(
        {
          id: r.id,
          username: r.username,
          endedSessions: r.endedSessions,
          ...(r.generated === null ? {} : { password: r.generated }),
        },
        r.generated === null
          ? `password of ${r.username} changed; ${ended}`
          : [`new password for ${r.username}: ${r.generated}`, 'It is shown only now.', ended],
      );
    });
  users
    .command('email')
    .description("set or clear a user's e-mail (where password reset links go)")
    .requiredOption('--username <name>', 'the user')
    .option('--email <address>', 'the new e-mail')
    .option('--clear', 'remove the e-mail')
    .action(async (o) => {
      if ((o.email === undefined) === !o.clear)
        throw new CliFailure('give either --email ADDRESS or --clear');
      const db = await ctx.database();
      const r = unwrap(
        await setUserEmailAddress({
          db,
          actor: await ctx.actor(),
          username: o.username,
          email: o.clear ? null : o.email,
        }),
      );
      ctx.emit(
        { username: r.username, email: r.email },
        r.email === null ? `${r.username} has no e-mail now` : `e-mail of ${r.username}: ${r.email}`,
      );
    });
}
