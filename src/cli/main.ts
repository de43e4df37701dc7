/**
 * The operator CLI, `smm-panel`. Every command opens the database named by DATABASE_URL, runs one use
 * case and closes it. `--json` prints exactly one JSON object on stdout for scripts (errors too, as
 * {"error": "..."}); otherwise output is for people. Errors are one line and a non-zero exit code:
 * 1 a refused operation, 64 a usage error, 2 differences found by `ledger check`.
 *
 * This file is only the program: each command group lives in commands/<group>.ts.
 */
import { Command, CommanderError } from 'commander';
import { resolveStaffActor } from '../accounts/resolve-staff-actor.js';
import type { Actor } from '../audit/actor.js';
import { loadConfig } from '../config.js';
import { type Db, openDatabase } from '../db/connect.js';
import { ok } from '../result.js';
import { register as alerts } from './commands/alerts.js';
import { register as audit } from './commands/audit.js';
import { register as backup } from './commands/backup.js';
import { register as cancels } from './commands/cancels.js';
import { register as funds } from './commands/funds.js';
import { register as ledger } from './commands/ledger.js';
import { register as orders } from './commands/orders.js';
import { register as payments } from './commands/payments.js';
import { register as providers } from './commands/providers.js';
import { register as rates } from './commands/rates.js';
import { register as refills } from './commands/refills.js';
import { register as serve } from './commands/serve.js';
import { register as services } from './commands/services.js';
import { register as settings } from './commands/settings.js';
import { register as tickets } from './commands/tickets.js';
import { register as users } from './commands/users.js';
import { type CliContext, type CliIo, unwrap } from './context.js';
import { toJson } from './output.js';

export type { CliIo } from './context.js';

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  stdin: process.stdin,
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let jsonMode = argv.includes('--json');
  let db: Db | null = null;
  let exitCode = 0;
  let actor: (Actor & { username: string }) | null = null;
  const ctx: CliContext = {
    io,
    async database() {
      if (!db) db = await openDatabase(loadConfig(io.env).DATABASE_URL);
      return db.db;
    },
    async actorResult() {
      if (actor) return ok(actor);
      const as: string | undefined = program.opts().as;
      const r = await resolveStaffActor({ db: await ctx.database(), kind: 'cli', username: as });
      if (r.ok) actor = r.value;
      return r;
    },
    async actor() {
      return unwrap(await ctx.actorResult());
    },
    emit(obj, human) {
      if (jsonMode) io.out(toJson(obj));
      else for (const l of Array.isArray(human) ? human : [human]) io.out(l);
    },
    setExitCode(code) {
      exitCode = code;
    },
  };

  const program = new Command('smm-panel')
    .description('Operate an smm-panel: users, funds, services, orders, the ledger')
    .option('--json', 'print one JSON object (for scripts)')
    .option('--as <username>', 'act as this staff member (audit log); default: the first admin')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError();

  for (const group of [
    serve,
    users,
    funds,
    payments,
    services,
    rates,
    orders,
    refills,
    cancels,
    ledger,
    providers,
    alerts,
    tickets,
    settings,
    audit,
    backup,
  ])
    group(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    jsonMode = !!program.opts().json;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; usage errors were already printed by commander.
      exitCode = err.exitCode === 0 ? 0 : 64;
      if (exitCode !== 0 && jsonMode) io.out(toJson({ error: err.message.replace(/^error: /, '') }));
    } else {
      const message = err instanceof Error ? err.message : String(err);
      if (jsonMode) io.out(toJson({ error: message }));
      else io.err(`smm-panel: ${message}`);
      exitCode = 1;
    }
  } finally {
    if (db) await (db as Db).close();
  }
  return exitCode;
}
