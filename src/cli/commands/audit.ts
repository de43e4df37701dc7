/** `audit`: the log of operator actions (who, when, what, before and after), newest first. */
import type { Command } from 'commander';
import { listAudit } from '../../audit/list-audit.js';
import { intArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

function timeArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new CliFailure(`--${name} must be an ISO time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`);
  return t;
}

export function register(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the audit log of operator actions');
  audit
    .command('list')
    .description('entries newest first, filtered by actor, action, subject and period')
    .option('--actor <username>', 'only this staff member')
    .option('--action <prefix>', 'only actions starting with this, e.g. funds or order.set_status')
    .option('--subject <type:id>', 'only this subject, e.g. order:123 or user:7 (or a type: order)')
    .option('--since <time>', 'from this ISO time (inclusive)')
    .option('--until <time>', 'to this ISO time (exclusive)')
    .option('--before-id <id>', 'next page: entries older than this id')
    .option('--limit <n>', 'how many', '50')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const beforeId = o.beforeId === undefined ? undefined : Number(intArg(o.beforeId, 'before-id', 1));
      const db = await ctx.database();
      const r = unwrap(
        await listAudit({
          db,
          actor: await ctx.actor(),
          filter: {
            actorUsername: o.actor,
            actionPrefix: o.action,
            subject: o.subject,
            since: timeArg(o.since, 'since'),
            until: timeArg(o.until, 'until'),
            beforeId,
            limit,
          },
        }),
      );
      ctx.emit(
        { entries: r.entries, nextBeforeId: r.nextBeforeId },
        table(
          ['id', 'time', 'actor', 'via', 'action', 'subject', 'before', 'after', 'note'],
          r.entries.map((e) => [
            e.id,
            e.at,
            e.actor,
            e.via,
            e.action,
            e.subject,
            e.before === null ? '' : JSON.stringify(e.before),
            e.after === null ? '' : JSON.stringify(e.after),
            e.note ?? '',
          ]),
          'no audit entries',
        ),
      );
    });
}
