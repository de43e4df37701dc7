/**
 * Use case (the engine's step): ask the gateway about pending gateway payments whose check is due,
 * because callbacks get lost. Each payment is leased (its next check moved ahead with a
 * compare-and-set), asked about, and the answer applied like a callback (apply-gateway-update.ts). A
 * payment still open is asked again later, less and less often (up to `maxMs` apart), until its gateway
 * ends it.
 */
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { applyGatewayUpdate } from './apply-gateway-update.js';
import { openMethod } from './method-settings.js';
import {
  endPaymentInTx,
  findMethod,
  insertEvent,
  leaseDuePayments,
  type PaymentRow,
  scheduleCheck,
} from './payments.repo.js';
import type { SecretBox } from './secret-box.js';

export interface PaymentCheckTimings {
  /** First gap after an unchanged answer; doubles each time. */
  baseMs: number;
  maxMs: number;
  timeoutMs: number;
  batch: number;
}

/** A gateway payment without an invoice this long after it was made is ended as failed. */
export const NO_INVOICE_AFTER_MS = 10 * 60_000;

export const DEFAULT_PAYMENT_CHECKS: PaymentCheckTimings = {
  baseMs: 60_000,
  maxMs: 30 * 60_000,
  timeoutMs: 15_000,
  batch: 20,
};

export async function checkOpenPayments(opts: {
  db: Executor;
  box: SecretBox;
  timings?: PaymentCheckTimings;
  now?: number;
  log?: (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => void;
}): Promise<number> {
  const { db } = opts;
  const t = opts.timings ?? DEFAULT_PAYMENT_CHECKS;
  const now = opts.now ?? Date.now();
  const leased = await leaseDuePayments(db, {
    now,
    limit: t.batch,
    leaseUntil: now + t.timeoutMs * 2 + 5_000,
  });
  for (const p of leased) {
    const later = now + Math.min(t.maxMs, t.baseMs * 2 ** Math.min(p.checks, 20));
    try {
      await checkOne(p, later);
    } catch (err) {
      // One payment's fault (an answer that cannot be booked, a database hiccup) must not keep the
      // payments leased after it from being checked, round after round: it is asked again later.
      opts.log?.('warn', 'payment check failed', {
        paymentId: p.id,
        error: err instanceof Error ? err.message : String(err),
      });
      await scheduleCheck(db, p.id, later).catch(() => {});
    }
  }
  return leased.length;

  async function checkOne(p: PaymentRow, later: number): Promise<void> {
    if (p.gatewayRef === null) {
      // The panel stopped between recording the payment and recording its invoice: the customer never
      // got a page to pay on, so nothing can have been paid. Ended once the invoice would be long made.
      if (now - p.createdAt < NO_INVOICE_AFTER_MS) {
        await scheduleCheck(db, p.id, p.createdAt + NO_INVOICE_AFTER_MS);
        return;
      }
      await inTransaction(db, async (tx) => {
        const ended = await endPaymentInTx(tx, p.id, 'failed', {
          receivedUnits: null,
          creditedUnits: 0n,
          note: 'no invoice was made (the panel stopped while asking the gateway)',
          now,
        });
        if (ended)
          await insertEvent(tx, {
            paymentId: p.id,
            methodId: p.methodId,
            source: 'status',
            outcome: 'no_invoice',
            gatewayStatus: null,
            body: '',
            remote: null,
            now,
          });
      });
      return;
    }
    const method = await findMethod(db, p.methodId);
    const opened = method ? openMethod(method, opts.box) : null;
    if (!opened?.ok) {
      opts.log?.('warn', 'payment check impossible', {
        paymentId: p.id,
        reason: 'method settings unreadable',
      });
      await scheduleCheck(db, p.id, later);
      return;
    }
    const gatewayRef = p.gatewayRef;
    const answer = await opened.module.queryStatus(
      { gatewayRef, paymentId: p.id },
      { ...opened.settings, timeoutMs: t.timeoutMs },
    );
    if (answer.kind === 'unreachable') {
      opts.log?.('warn', 'payment gateway unreachable', { paymentId: p.id, error: answer.message });
      await scheduleCheck(db, p.id, later);
      return;
    }
    if (answer.kind === 'unknown') {
      await insertEvent(db, {
        paymentId: p.id,
        methodId: p.methodId,
        source: 'status',
        outcome: 'unknown_at_gateway',
        gatewayStatus: null,
        body: answer.raw,
        remote: null,
        now,
      });
      await scheduleCheck(db, p.id, later);
      return;
    }
    const outcome = await applyGatewayUpdate({
      db,
      payment: p,
      update: answer.update,
      source: 'status',
      raw: answer.raw,
      now,
    });
    if (outcome !== 'credited' && outcome !== 'ended' && outcome !== 'already_ended')
      await scheduleCheck(db, p.id, later);
    opts.log?.('info', 'payment checked', { paymentId: p.id, outcome });
  }
}
