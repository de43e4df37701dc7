/**
 * `payments`: the operator's side of adding funds (the same use cases as the admin area's payments
 * page): list them, approve a manual payment with what really arrived, reject one, reverse a credited
 * one (a chargeback). Each acts as the staff member the CLI runs as (the first admin, or --as), and
 * deciding needs an admin (payments.decide), as on the web.
 */
import type { Command } from 'commander';
import { approvePayment, rejectPayment } from '../../payments/decide-payment.js';
import { browsePayments } from '../../payments/list-payments.js';
import { isPaymentState, PAYMENT_STATES } from '../../payments/payment.state.js';
import type { StaffPaymentView } from '../../payments/payment-rules.js';
import { reversePayment } from '../../payments/reverse-payment.js';
import { idArg, intArg } from '../args.js';
import { type CliContext, CliFailure, unwrap } from '../context.js';
import { table } from '../output.js';

/** One line for people: what changed, and the money. */
function summary(p: StaffPaymentView): string {
  const money = [
    `amount ${p.amount}`,
    p.received === null ? null : `received ${p.received}`,
    `credited ${p.credited}`,
    p.state === 'reversed' ? `reversed ${p.reversed}` : null,
    p.state === 'reversed' && p.shortfall !== '0.00' ? `shortfall ${p.shortfall}` : null,
  ]
    .filter((x) => x !== null)
    .join(', ');
  return `payment ${p.id} (${p.username}, ${p.method}): ${p.state}; ${money} ${p.currency}`;
}

export function register(program: Command, ctx: CliContext): void {
  const payments = program
    .command('payments')
    .description('payments adding funds: list them, approve or reject manual ones, reverse credited ones');
  payments
    .command('list')
    .description('payments, newest first (--state pending: those waiting)')
    .option('--state <state>', `only payments in this state (${PAYMENT_STATES.join(', ')})`)
    .option('--user <username>', "only this user's payments")
    .option('--limit <n>', 'how many', '100')
    .action(async (o) => {
      if (o.state !== undefined && !isPaymentState(o.state))
        throw new CliFailure(`unknown state "${o.state}" (use ${PAYMENT_STATES.join(', ')})`);
      const limit = Number(intArg(o.limit, 'limit', 1));
      const db = await ctx.database();
      const r = unwrap(
        await browsePayments({
          db,
          actor: await ctx.actor(),
          filter: { state: o.state, username: o.user },
          limit,
        }),
      );
      ctx.emit(
        { payments: r.payments },
        table(
          ['id', 'created', 'user', 'method', 'state', 'amount', 'received', 'credited', 'reference'],
          r.payments.map((p) => [
            p.id,
            p.createdAt,
            p.username,
            p.method,
            p.state,
            p.amount,
            p.received,
            p.credited,
            p.reference ?? p.gatewayRef,
          ]),
          o.state ? `no ${o.state} payments` : 'no payments',
        ),
      );
    });
  payments
    .command('approve')
    .description('approve a pending payment: credit what arrived (default: the amount asked)')
    .argument('<id>', 'payment id')
    .option('--received <amount>', 'what really arrived; less than asked makes it partial')
    .option('--note <text>', 'note kept on the payment and in the audit log')
    .action(async (id: string, o) => {
      const paymentId = idArg(id, 'payment id');
      const db = await ctx.database();
      const p = unwrap(
        await approvePayment({
          db,
          actor: await ctx.actor(),
          paymentId,
          received: o.received,
          note: o.note,
        }),
      );
      ctx.emit({ payment: p }, summary(p));
    });
  payments
    .command('reject')
    .description('reject a pending payment (nothing is credited)')
    .argument('<id>', 'payment id')
    .option('--note <text>', 'why (the customer sees it)')
    .action(async (id: string, o) => {
      const paymentId = idArg(id, 'payment id');
      const db = await ctx.database();
      const p = unwrap(await rejectPayment({ db, actor: await ctx.actor(), paymentId, note: o.note }));
      ctx.emit({ payment: p }, summary(p));
    });
  payments
    .command('reverse')
    .description(
      'reverse a credited payment (a chargeback): take the credit back as far as the balance covers; the rest is its shortfall',
    )
    .argument('<id>', 'payment id')
    .requiredOption('--note <text>', 'why (required)')
    .action(async (id: string, o) => {
      const paymentId = idArg(id, 'payment id');
      const db = await ctx.database();
      const p = unwrap(await reversePayment({ db, actor: await ctx.actor(), paymentId, note: o.note }));
      ctx.emit({ payment: p }, summary(p));
    });
}
