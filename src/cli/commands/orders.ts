/** `orders`: list, show one, move by hand (manual fulfilment), resolve sends with an unknown outcome. */
import type { Command } from 'commander';
import { listOrders } from '../../orders/list-orders.js';
import { API_STATUS, parseOrderStatus } from '../../orders/order.state.js';
import { resolveReview } from '../../orders/resolve-review.js';
import { setOrderStatus } from '../../orders/set-order-status.js';
import { showOrder } from '../../orders/show-order.js';
import { dateArg, idArg, intArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

function statusArg(text: string) {
  const status = parseOrderStatus(text);
  if (status === null)
    throw new CliFailure(`unknown status "${text}" (use ${Object.values(API_STATUS).join(', ')})`);
  return status;
}

const named = (name: string | null, id: number | null) =>
  id === null ? '-' : name === null ? `#${id}` : `${name} (#${id})`;

export function register(program: Command, ctx: CliContext): void {
  const orders = program.command('orders').description('orders');
  orders
    .command('list')
    .description('list the newest orders')
    .option('--username <name>', "only this user's orders")
    .option('--status <status>', 'only orders in this status (e.g. Pending, "In progress")')
    .option('--provider <id>', 'only orders sent (or to be sent) to this provider')
    .option('--service <id>', 'only orders of this service')
    .option('--before <id>', 'only orders with a smaller id (the next page after that order)')
    .option('--since <date>', 'only orders placed at or after this ISO date/time, e.g. 2025-03-01')
    .option('--until <date>', 'only orders placed before this ISO time; a bare date includes that day')
    .option('--limit <n>', 'how many', '50')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const status = o.status === undefined ? undefined : statusArg(o.status);
      const providerId = o.provider === undefined ? undefined : idArg(o.provider, 'provider');
      const serviceId = o.service === undefined ? undefined : idArg(o.service, 'service');
      const beforeId = o.before === undefined ? undefined : idArg(o.before, 'before');
      const since = o.since === undefined ? undefined : dateArg(o.since, 'since');
      const until = o.until === undefined ? undefined : dateArg(o.until, 'until', true);
      const db = await ctx.database();
      const rows = unwrap(
        await listOrders({
          db,
          username: o.username,
          status,
          providerId,
          serviceId,
          since,
          until,
          beforeId,
          limit,
        }),
      );
      ctx.emit(
        { orders: rows },
        table(
          [
            'id',
            'user',
            'service',
            'status',
            'quantity',
            'remains',
            'charge',
            'refunded',
            'provider',
            'dispatch',
            'link',
            'note',
          ],
          rows.map((x) => [
            x.id,
            x.username,
            named(x.service_name, x.service),
            x.status,
            `${x.quantity}${x.runs ? `×${x.runs}` : ''}`,
            x.remains,
            x.charge,
            x.refunded,
            named(x.provider_name, x.provider),
            `${x.dispatch}${x.upstream_order ? ` #${x.upstream_order}` : ''}`,
            x.link,
            [x.cancel_requested ? 'CANCEL REQUESTED' : '', x.error ?? ''].filter(Boolean).join('; '),
          ]),
          'no orders',
        ),
      );
    });
  orders
    .command('show')
    .description('everything about one order: user, service, provider, money, ledger, refills, cancel, runs')
    .requiredOption('--order <id>', 'order id')
    .action(async (o) => {
      const orderId = idArg(o.order, 'order');
      const db = await ctx.database();
      const v = unwrap(await showOrder({ db, orderId }));
      ctx.emit({ order: v }, [
        `order ${v.id}: ${v.status} (${v.dispatch})`,
        `user:      ${v.user.username} (#${v.user.id})`,
        `service:   ${named(v.service.name, v.service.id)}, type ${v.type}`,
        `provider:  ${v.provider ? named(v.provider.name, v.provider.id) : 'none (manual)'}${v.upstreamOrder ? `, upstream order ${v.upstreamOrder}` : ''}`,
        ...(v.upstreamMessage ? [`message:   ${v.upstreamMessage}`] : []),
        `link:      ${v.link ?? '-'}`,
        `quantity:  ${v.quantity}${v.runs ? ` × ${v.runs} runs every ${v.interval} min` : ''}, remains ${v.remains}, start count ${v.startCount ?? '-'}`,
        `charge:    ${v.charge}, refunded ${v.refunded}, provider cost ${v.providerCost ?? 'unknown'}`,
        ...(v.provider ? [`sends:     ${v.attempts} attempt(s)`] : []),
        `placed:    ${v.createdAt}, updated ${v.updatedAt}${v.finishedAt ? `, finished ${v.finishedAt}` : ''}`,
        `cancel:    ${v.cancel ? `requested ${v.cancel.requestedAt}, ${v.cancel.state}` : 'not requested'}`,
        'ledger:',
        ...table(
          ['  time', 'kind', 'amount', 'balance after'],
          v.ledger.map((e) => [`  ${e.at}`, e.kind, e.amount, e.balanceAfter]),
          '  no entries',
        ),
        'refills:',
        ...table(
          ['  id', 'status', 'forwarding', 'created'],
          v.refills.map((r) => [`  ${r.id}`, r.status, r.forwarding, r.createdAt]),
          '  none',
        ),
        ...(v.dripfeedRuns.length > 0
          ? [
              'drip-feed runs:',
              ...table(
                ['  order', 'run', 'status', 'quantity', 'remains', 'dispatch'],
                v.dripfeedRuns.map((r) => [
                  `  ${r.id}`,
                  r.run,
                  r.status,
                  r.quantity,
                  r.remains,
                  `${r.dispatch}${r.upstreamOrder ? ` #${r.upstreamOrder}` : ''}`,
                ]),
                '',
              ),
            ]
          : []),
      ]);
    });
  orders
    .command('set')
    .description('move an order by hand (manual fulfilment); settles money like the engine')
    .requiredOption('--order <id>', 'order id')
    .requiredOption('--status <status>', 'Processing, "In progress", Completed, Partial or Canceled')
    .option('--remains <n>', 'what is not delivered (required for Partial)')
    .option('--start-count <n>', 'the count when delivery started')
    .option('--force', 'also for an order a provider has (or may have): the engine no longer settles it')
    .action(async (o) => {
      const orderId = idArg(o.order, 'order');
      const status = statusArg(o.status);
      const remains = o.remains === undefined ? undefined : intArg(o.remains, 'remains');
      const startCount = o.startCount === undefined ? undefined : intArg(o.startCount, 'start count');
      const db = await ctx.database();
      const r = unwrap(
        await setOrderStatus({
          db,
          actor: await ctx.actor(),
          orderId,
          change: { status, remains, startCount },
          force: !!o.force,
        }),
      );
      ctx.emit(
        { ...r },
        `order ${orderId}: ${r.status}, remains ${r.remains}${r.refund !== '0.00' ? `, refunded ${r.refund}` : ''}`,
      );
    });
  orders
    .command('review')
    .description(
      'orders whose send had an unknown outcome; resolve one with --order and one of --sent/--not-sent/--cancel',
    )
    .option('--order <id>', 'the order to resolve')
    .option('--sent <upstreamId>', 'the provider has it, under this order id: follow it')
    .option('--not-sent', 'the provider does not have it: send it again')
    .option('--cancel', 'the provider does not have it: cancel it and refund the customer')
    .action(async (o) => {
      const db = await ctx.database();
      if (o.order === undefined) {
        const list = unwrap(await listOrders({ db, dispatchState: 'review', limit: 1000 }));
        ctx.emit(
          {
            orders: list.map((x) => ({
              id: x.id,
              username: x.username,
              provider: x.provider,
              provider_name: x.provider_name,
              service: x.service,
              service_name: x.service_name,
              link: x.link,
              quantity: x.quantity,
              error: x.error,
            })),
          },
          table(
            ['id', 'user', 'service', 'provider', 'link', 'quantity', 'error'],
            list.map((x) => [
              x.id,
              x.username,
              named(x.service_name, x.service),
              named(x.provider_name, x.provider),
              x.link,
              x.quantity,
              x.error,
            ]),
            'no orders to review',
          ),
        );
        return;
      }
      const chosen = [o.sent !== undefined, !!o.notSent, !!o.cancel].filter(Boolean).length;
      if (chosen !== 1) throw new CliFailure('give exactly one of --sent UPSTREAM_ID, --not-sent, --cancel');
      const resolution =
        o.sent !== undefined
          ? { kind: 'sent' as const, upstreamOrderId: String(o.sent) }
          : o.notSent
            ? { kind: 'not_sent' as const }
            : { kind: 'cancel' as const };
      const orderId = idArg(o.order, 'order');
      unwrap(await resolveReview({ db, actor: await ctx.actor(), orderId, resolution }));
      ctx.emit(
        { order: orderId, resolution: resolution.kind },
        `order ${orderId}: ${resolution.kind.replace('_', ' ')}`,
      );
    });
}
