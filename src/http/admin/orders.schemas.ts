/** Requests and answers of the admin area's orders, refills and cancel requests endpoints. */
import { z } from 'zod';
import { DISPATCH_STATES } from '../../orders/dispatch.state.js';
import { ORDER_STATUSES } from '../../orders/order.state.js';
import { REFILL_STATUSES } from '../../refills/refill.state.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A UTC day, YYYY-MM-DD, that exists (2026-02-30 does not). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s;
  }, 'no such day');

export const OrderIdParams = z.object({ id });
export const RefillIdParams = z.object({ id });

export const OrdersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  dispatch: z.enum(DISPATCH_STATES).optional().describe('where the order stands with its provider'),
  provider: id.optional().describe('provider id'),
  service: id.optional().describe('service id'),
  user: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('the customer: user id (digits) or exact username'),
  from: day.optional().describe('orders placed on or after this UTC day'),
  to: day.optional().describe('orders placed on or before this UTC day'),
  q: z.string().max(200).optional().describe('an order id (42 or #42), or a part of the link'),
  before: id.optional().describe('orders with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const Named = z.object({ id: z.number().int(), name: z.string().nullable() });

export const AdminOrderRow = z
  .object({
    id: z.number().int(),
    user: z.object({ id: z.number().int(), username: z.string() }),
    service: Named,
    link: z.string().nullable(),
    quantity: z.string(),
    charge: z.string().describe('exact decimal in the panel currency'),
    refunded: z.string(),
    status: z.enum(ORDER_STATUSES),
    dispatch: z.enum(DISPATCH_STATES),
    provider: Named.nullable().describe('null: fulfilled by hand'),
    upstreamOrder: z.string().nullable(),
    cancelRequested: z.boolean(),
    error: z.string().nullable().describe('the last thing the provider (or the engine) said'),
    createdAt: z.string(),
  })
  .meta({ id: 'AdminOrderRow' });

export const AdminOrderList = z
  .object({
    orders: z.array(AdminOrderRow),
    currency: z.string(),
    nextBefore: z.number().int().nullable().describe('pass as `before` for the next page; null: last page'),
  })
  .meta({ id: 'AdminOrderList' });

export const AdminRefill = z
  .object({
    id: z.number().int(),
    order: z.number().int(),
    username: z.string(),
    status: z.enum(REFILL_STATUSES),
    forwarding: z.string().describe('where the request stands with the provider (manual: by hand)'),
    upstreamRefill: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AdminRefill' });

export const AdminLedgerEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    kind: z.string(),
    amount: z.string().describe('signed exact decimal'),
    balanceAfter: z.string(),
    note: z.string().nullable(),
  })
  .meta({ id: 'AdminOrderLedgerEntry' });

export const AdminOrderRun = z
  .object({
    id: z.number().int(),
    run: z.number().int().nullable(),
    status: z.enum(ORDER_STATUSES),
    quantity: z.string(),
    remains: z.string(),
    dispatch: z.enum(DISPATCH_STATES),
    upstreamOrder: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'AdminOrderRun' });

export const AdminOrderDetail = z
  .object({
    id: z.number().int(),
    currency: z.string(),
    user: z.object({ id: z.number().int(), username: z.string() }),
    service: Named,
    provider: Named.nullable(),
    upstreamOrder: z.string().nullable(),
    upstreamMessage: z.string().nullable().describe('the last error or refusal about this order'),
    providerCost: z
      .string()
      .nullable()
      .describe('what the provider reported it charges us; null: unknown (never 0 for unknown)'),
    attempts: z.number().int().describe('sends tried'),
    type: z.string(),
    link: z.string().nullable(),
    params: z.record(z.string(), z.unknown()).nullable().describe('the order’s extra fields, as placed'),
    quantity: z.string(),
    runs: z.number().int().nullable(),
    interval: z.number().int().nullable().describe('minutes between drip-feed runs'),
    status: z.enum(ORDER_STATUSES),
    dispatch: z.enum(DISPATCH_STATES),
    charge: z.string(),
    refunded: z.string(),
    remains: z.string(),
    startCount: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    cancel: z
      .object({ requestedAt: z.string(), state: z.string() })
      .nullable()
      .describe('null: no cancel asked; state waiting until the engine acts, ended if the order ended first'),
    ledger: z.array(AdminLedgerEntry).describe('oldest first'),
    refills: z.array(AdminRefill),
    dripfeedRuns: z.array(AdminOrderRun),
  })
  .meta({ id: 'AdminOrderDetail' });

const note = z.string().trim().max(500).optional().describe('why, kept in the audit log');

export const AdminSetOrderStatus = z
  .object({
    status: z
      .enum(['processing', 'in_progress', 'completed', 'partial', 'canceled'])
      .describe('support: processing or in_progress only; the others settle money (admin)'),
    remains: z
      .string()
      .regex(/^\d{1,19}$/, 'a whole number')
      .optional()
      .describe('what is not delivered (required for partial)'),
    startCount: z
      .string()
      .regex(/^\d{1,19}$/, 'a whole number')
      .optional(),
    force: z
      .boolean()
      .optional()
      .describe('also for an order a provider has (or may have): the engine no longer settles it'),
    note,
  })
  .meta({ id: 'AdminSetOrderStatus' });

export const AdminOrderChange = z
  .object({
    order: z.number().int(),
    status: z.enum(ORDER_STATUSES),
    remains: z.string(),
    refund: z.string().describe('refunded by this change'),
    charge: z.string(),
  })
  .meta({ id: 'AdminOrderChange' });

export const AdminResolveReview = z
  .object({
    resolution: z
      .enum(['sent', 'not_sent', 'cancel'])
      .describe('sent: the provider has it (give providerOrderId); not_sent: send it again; cancel: refund'),
    providerOrderId: z.string().trim().max(64).optional().describe('the provider’s order id (for sent)'),
    note,
  })
  .meta({ id: 'AdminResolveReview' });

export const AdminReviewResolved = z
  .object({
    order: z.number().int(),
    resolution: z.enum(['sent', 'not_sent', 'cancel']),
    status: z.enum(ORDER_STATUSES),
    dispatch: z.enum(DISPATCH_STATES),
  })
  .meta({ id: 'AdminReviewResolved' });

export const RefillsQuery = z.object({
  status: z
    .enum(['open', ...REFILL_STATUSES])
    .optional()
    .describe('open: Pending and In progress; none: all'),
  before: id.optional().describe('refills with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const AdminRefillList = z
  .object({ refills: z.array(AdminRefill), nextBefore: z.number().int().nullable() })
  .meta({ id: 'AdminRefillList' });

export const AdminSetRefillStatus = z
  .object({ status: z.enum(REFILL_STATUSES) })
  .meta({ id: 'AdminSetRefillStatus' });

export const AdminRefillChange = z
  .object({
    refill: z.number().int(),
    from: z.enum(REFILL_STATUSES),
    status: z.enum(REFILL_STATUSES),
  })
  .meta({ id: 'AdminRefillChange' });

export const AdminCancelRequest = z
  .object({
    order: z.number().int(),
    username: z.string(),
    service: z.string().nullable(),
    status: z.enum(ORDER_STATUSES),
    requestedAt: z.string(),
    state: z.string().describe('waiting, or where the cancel stands with the provider'),
  })
  .meta({ id: 'AdminCancelRequest' });

export const AdminCancelList = z
  .object({ cancels: z.array(AdminCancelRequest) })
  .meta({ id: 'AdminCancelList' });
