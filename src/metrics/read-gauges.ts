/**
 * Use case: what the database says right now, for the metrics endpoint: orders by status and by
 * dispatch state, the engine's due work and how late its oldest item is, review cases, open alerts,
 * providers by state, open cancel requests and refills, payments pending (manual and gateway). Every process reads the same numbers (they are
 * the database's, not the process's): take one of them, e.g. `max without (instance)`.
 */

import type { Executor } from '../db/executor.js';
import { ACTIVE_STATUSES } from '../orders/order.state.js';
import { countWaiting } from '../payments/payments.repo.js';
import { OPEN_REFILL_STATUSES } from '../refills/refill.state.js';
import {
  countOpenAlerts,
  countOpenRequests,
  countOrders,
  countProvidersByState,
  dueChecks,
  dueSends,
} from './metrics.repo.js';

export interface Gauges {
  ordersByStatus: { status: string; n: number }[];
  ordersByDispatch: { state: string; n: number }[];
  /** Orders waiting to be sent now, and seconds since the oldest became due (0 when none). */
  dueSends: number;
  sendLagSeconds: number;
  /** Orders whose status check is due, and seconds since the oldest became due. */
  dueChecks: number;
  checkLagSeconds: number;
  openAlerts: number;
  providersByState: { state: string; n: number }[];
  openCancels: number;
  openRefills: number;
  /** Payments pending: manual ones wait for an admin, gateway ones for the gateway. */
  paymentsPending: { manual: number; gateway: number };
}

export async function readGauges(opts: { db: Executor; now?: number }): Promise<Gauges> {
  const { db } = opts;
  const now = opts.now ?? Date.now();
  const [orders, send, check, openAlerts, providers, open, paymentsPending] = await Promise.all([
    countOrders(db),
    dueSends(db, { now }),
    dueChecks(db, { now }),
    countOpenAlerts(db),
    countProvidersByState(db),
    countOpenRequests(db, { openRefillStatuses: OPEN_REFILL_STATUSES, activeStatuses: ACTIVE_STATUSES }),
    countWaiting(db),
  ]);
  const lag = (oldest: number | null) => (oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
  return {
    ordersByStatus: orders.byStatus,
    ordersByDispatch: orders.byDispatch,
    dueSends: send.n,
    sendLagSeconds: lag(send.oldest),
    dueChecks: check.n,
    checkLagSeconds: lag(check.oldest),
    openAlerts,
    providersByState: providers,
    openCancels: open.cancels,
    openRefills: open.refills,
    paymentsPending,
  };
}
