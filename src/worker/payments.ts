/**
 * The engine's payments step: ask the gateways about open invoices whose check is due (callbacks get
 * lost). The use case (payments/check-open-payments.ts) leases, asks and applies; this only runs it.
 */
import { checkOpenPayments } from '../payments/check-open-payments.js';
import { type EngineContext, nowOf } from './dispatch.js';

export async function paymentsRound(ctx: EngineContext): Promise<number> {
  if (!ctx.secretBox) return 0;
  return checkOpenPayments({
    db: ctx.db,
    box: ctx.secretBox,
    now: nowOf(ctx),
    log: (level, msg, data) => ctx.log(level, msg, data),
  });
}
