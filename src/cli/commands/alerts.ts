/** `alerts`: what the engine needs the operator to look at. */
import type { Command } from 'commander';
import { listAlerts } from '../../alerts/list-alerts.js';
import { resolveAlert } from '../../alerts/resolve-alert.js';
import { idArg } from '../args.js';
import { type CliContext, unwrap } from '../context.js';
import { table } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const alerts = program.command('alerts').description('what the engine needs the operator to look at');
  alerts
    .command('list')
    .description('open alerts (--all for resolved ones too)')
    .option('--all', 'include resolved alerts')
    .action(async (o) => {
      const db = await ctx.database();
      const rows = (await listAlerts({ db, includeResolved: !!o.all })).map((a) => ({
        id: a.id,
        kind: a.kind,
        provider: a.providerId,
        order: a.orderId,
        message: a.message,
        created_at: new Date(a.createdAt).toISOString(),
        resolved: a.resolvedAt !== null,
      }));
      ctx.emit(
        { alerts: rows },
        table(
          ['id', 'created', 'kind', 'provider', 'order', 'message'],
          rows.map((a) => [
            a.id,
            a.created_at,
            `${a.kind}${a.resolved ? ' (resolved)' : ''}`,
            a.provider,
            a.order,
            a.message,
          ]),
          o.all ? 'no alerts' : 'no open alerts',
        ),
      );
    });
  alerts
    .command('resolve')
    .description('mark an alert as dealt with')
    .requiredOption('--alert <id>', 'alert id')
    .action(async (o) => {
      const db = await ctx.database();
      const id = idArg(o.alert, 'alert');
      unwrap(await resolveAlert({ db, actor: await ctx.actor(), alertId: id }));
      ctx.emit({ alert: id, resolved: true }, `alert ${id} resolved`);
    });
}
