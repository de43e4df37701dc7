/**
 * The order form's fields (every order type's parameters, by API v2's names, as the text the customer
 * typed: the use cases parse them exactly as API v2 does), quotes, placed orders and the order list.
 */

import { z } from 'zod';
import { ORDER_STATUSES } from '../../orders/order.state.js';

const field = (max = 100_000) => z.string().max(max).optional();

export const OrderFields = z
  .object({
    service: z.number().int().positive(),
    link: field(),
    quantity: field(40),
    runs: field(40),
    interval: field(40),
    comments: field(),
    usernames: field(),
    hashtags: field(),
    hashtag: field(),
    username: field(),
    media: field(),
    question: field(),
    answers: field(),
    min: field(40),
    max: field(40),
    posts: field(40),
    old_posts: field(40),
    delay: field(40),
    expiry: field(40),
  })
  .meta({ id: 'OrderFields' });

export const PlaceOrder = OrderFields.extend({
  idempotencyKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/)
    .describe('one per form: a re-sent form answers the order the first one placed'),
}).meta({ id: 'PlaceOrder' });

export const Quote = z
  .object({
    charge: z.string().describe('exact, what placing the order takes now'),
    perPost: z.string().nullable().describe('subscriptions charged per post: the price of one post'),
    reserve: z
      .string()
      .nullable()
      .describe('subscriptions charged per post: set aside when placed, returned when it ends'),
    chargedQuantity: z.string(),
    currency: z.string(),
  })
  .meta({ id: 'Quote' });

export const PlacedOrder = z
  .object({
    order: z.number().int(),
    charge: z.string(),
    repeated: z.boolean().describe('true when this form had already placed the order'),
  })
  .meta({ id: 'PlacedOrder' });

export const STATUS_FILTERS = ORDER_STATUSES;

export const OrderListQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('an order id (digits, `#` allowed), or a part of the link (case-insensitive)'),
  status: z.enum(STATUS_FILTERS).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const CustomerOrder = z
  .object({
    id: z.number().int(),
    service: z.number().int(),
    serviceName: z.string().nullable(),
    type: z.string(),
    link: z.string().nullable(),
    username: z.string().nullable().describe('the username a subscription follows; null for other types'),
    quantity: z.string(),
    runs: z.number().int().nullable(),
    interval: z.number().int().nullable(),
    charge: z.string(),
    startCount: z.string().nullable(),
    remains: z.string(),
    status: z.string(),
    createdAt: z.string(),
    canRefill: z.boolean(),
    canCancel: z.boolean(),
    cancelRequested: z.boolean(),
  })
  .meta({ id: 'CustomerOrder' });

export const OrderList = z
  .object({
    orders: z.array(CustomerOrder),
    nextBefore: z.number().int().nullable().describe('pass as `before` for the next page; null: last page'),
    currency: z.string(),
  })
  .meta({ id: 'OrderList' });

export const OrderIdParams = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const CustomerRefill = z
  .object({
    id: z.number().int(),
    order: z.number().int(),
    status: z
      .string()
      .describe("as API v2's refill_status: Pending, In progress, Completed, Rejected, Canceled"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CustomerRefill' });

export const OrderRun = z
  .object({
    run: z.number().int().describe('1 for the first run'),
    quantity: z.string(),
    status: z.string(),
    startCount: z.string().nullable(),
    remains: z.string(),
    charge: z.string().describe("the run's part of the charge, less what it did not deliver"),
    createdAt: z.string(),
  })
  .meta({ id: 'OrderRun' });

export const OrderSubscription = z
  .object({
    username: z.string().nullable(),
    min: z.number().int().nullable(),
    max: z.number().int().nullable(),
    posts: z.number().int().nullable().describe('the post limit; null: until canceled or expired'),
    postsDone: z.number().int(),
    oldPosts: z.number().int().nullable(),
    delay: z.number().int().nullable().describe('minutes'),
    expiry: z.string().nullable().describe('d/m/Y as given'),
  })
  .meta({ id: 'OrderSubscription' });

export const OrderDetail = z
  .object({
    order: CustomerOrder,
    refills: z.array(CustomerRefill).describe('newest first'),
    payments: z
      .array(z.object({ at: z.string(), kind: z.string(), amount: z.string().describe('signed') }))
      .describe("the order's money moves, oldest first (a per-post subscription: one per payment)"),
    runs: z.array(OrderRun).nullable().describe('drip-feed only: the runs placed so far'),
    subscription: OrderSubscription.nullable(),
    currency: z.string(),
  })
  .meta({ id: 'OrderDetail' });

export const RefillListQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const RefillList = z
  .object({
    refills: z.array(CustomerRefill),
    nextBefore: z.number().int().nullable().describe('pass as `before` for the next page; null: last page'),
  })
  .meta({ id: 'RefillList' });

export const RefillCreated = z.object({ refill: z.number().int() }).meta({ id: 'RefillCreated' });

export const MassOrder = z
  .object({
    text: z
      .string()
      .max(300_000)
      .describe('one order per line: `service | link | quantity`; blank lines are skipped; at most 100'),
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/)
      .describe('one per form: a re-sent form answers the orders the first one placed'),
  })
  .meta({ id: 'MassOrder' });

export const MassLine = z
  .object({
    line: z.number().int().describe('the line of the text this answer is about (1 is the first)'),
    ok: z.boolean(),
    order: z.number().int().optional().describe('the order placed (ok)'),
    charge: z.string().optional().describe('what it took (ok)'),
    repeated: z.boolean().optional().describe('true when this form had already placed it (ok)'),
    error: z.string().optional().describe("why it was refused (not ok): API v2's message"),
    code: z.string().optional().describe('the failure code (not ok)'),
    params: z.record(z.string(), z.string()).optional().describe("the failure's facts (not ok)"),
  })
  .meta({ id: 'MassLine' });

export const MassResult = z
  .object({
    lines: z.array(MassLine),
    placed: z.number().int(),
    refused: z.number().int(),
  })
  .meta({ id: 'MassResult' });
