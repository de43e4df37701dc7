/** `orders`: list, move by hand (manual fulfilment), resolve sends with an unknown outcome. */
import type { Command } from 'commander';
import { findUserByUsername } from '../../accounts/users.repo.js';
import { formatAmount } from '../../money.js';
import { API_STATUS, parseOrderStatus } from '../../orders/order.state.js';
import { listOrders } from '../../orders/orders.repo.js';
import { resolveReview } from '../../orders/resolve-review.js';
import { changeOrderStatus } from '../../orders/settle.js';
import { idArg, intArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const orders = program.command('orders').description('orders');
  orders
    .command('list')
    .description('list the newest orders')
    .option('--username <name>', "only this user's orders")
    .option('--status <status>', 'only orders in this status (e.g. Pending, "In progress")')
    .option('--limit <n>', 'how many', '50')
    .action(async (o) => {
      const limit = Number(intArg(o.limit, 'limit', 1));
      const status = o.status === undefined ? undefined : parseOrderStatus(o.status);
      if (status === null)
        throw new CliFailure(`unknown status "${o.status}" (use ${Object.values(API_STATUS).join(', ')})`);
      const k = await ctx.database();
      let userId: number | undefined;
      if (o.username) {
        const u = await findUserByUsername(k, o.username);
        if (!u) throw new CliFailure('User not found');
        userId = u.id;
      }
      const list = await listOrders(k, { userId, status, limit });
      const rows = list.map((x) => ({
        id: x.id,
        username: x.username,
        service: x.serviceId,
        type: x.type,
        link: x.link,
        quantity: x.quantity.toString(),
        runs: x.runs,
        interval: x.intervalMinutes,
        charge: formatAmount(x.chargeUnits),
        refunded: formatAmount(x.refundedUnits),
        status: API_STATUS[x.status],
        remains: x.remains.toString(),
        start_count: x.startCount?.toString() ?? null,
        cancel_requested: x.cancelRequestedAt !== null,
        dispatch: x.dispatchState,
        provider: x.providerId,
        upstream_order: x.providerOrderId,
        error: x.lastError,
        created_at: new Date(x.createdAt).toISOString(),
      }));
      ctx.emit(
        { orders: rows },
        rows.length === 0
          ? ['no orders']
          : rows.map(
              (x) =>
                `${x.id}\t${x.username}\tservice ${x.service}\t${x.status}\tqty ${x.quantity}${x.runs ? `×${x.runs}` : ''}\tremains ${x.remains}\tcharge ${x.charge}${x.refunded !== '0.00' ? ` (refunded ${x.refunded})` : ''}${x.cancel_requested ? '\tCANCEL REQUESTED' : ''}\t${x.dispatch}${x.upstream_order ? ` #${x.upstream_order}` : ''}\t${x.link ?? ''}${x.error ? `\t(${x.error})` : ''}`,
            ),
      );
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
      const status = parseOrderStatus(o.status);
      if (status === null)
        throw new CliFailure(`unknown status "${o.status}" (use ${Object.values(API_STATUS).join(', ')})`);
      const remains = o.remains === undefined ? undefined : intArg(o.remains, 'remains');
      const startCount = o.startCount === undefined ? undefined : intArg(o.startCount, 'start count');
      const k = await ctx.database();
      // An order at a provider is settled by the engine from what the provider reports; moving it by
      // hand could refund the customer while the provider still delivers and bills us.
      const current = await k
        .selectFrom('orders')
        .select('dispatch_state')
        .where('id', '=', orderId)
        .executeTakeFirst();
      const atProvider = ['sending', 'sent', 'runs', 'review'].includes(current?.dispatch_state ?? '');
      if (atProvider && !o.force) {
        throw new CliFailure(
          `order ${orderId} is with its provider (${current?.dispatch_state}); the engine settles it (use --force to override, or orders review)`,
        );
      }
      const r = unwrap(await changeOrderStatus({ db: k, orderId, change: { status, remains, startCount } }));
      ctx.emit(
        {
          order: orderId,
          status: API_STATUS[r.order.status],
          remains: r.order.remains.toString(),
          refund: formatAmount(r.refundUnits),
          charge: formatAmount(r.order.chargeUnits),
        },
        `order ${orderId}: ${API_STATUS[r.order.status]}, remains ${r.order.remains}${r.refundUnits > 0n ? `, refunded ${formatAmount(r.refundUnits)}` : ''}`,
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
      const k = await ctx.database();
      if (o.order === undefined) {
        const list = await listOrders(k, { dispatchState: 'review', limit: 1000 });
        ctx.emit(
          {
            orders: list.map((x) => ({
              id: x.id,
              username: x.username,
              provider: x.providerId,
              link: x.link,
              quantity: x.quantity.toString(),
              error: x.lastError,
            })),
          },
          list.length === 0
            ? ['no orders to review']
            : list.map(
                (x) =>
                  `${x.id}\t${x.username}\tprovider ${x.providerId}\t${x.link ?? ''}\tqty ${x.quantity}\t${x.lastError ?? ''}`,
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
      unwrap(await resolveReview({ db: k, orderId, resolution }));
      ctx.emit(
        { order: orderId, resolution: resolution.kind },
        `order ${orderId}: ${resolution.kind.replace('_', ' ')}`,
      );
    });
}
