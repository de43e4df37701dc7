/** Requests and answers of the web panel's Add funds endpoints (the customer's own payments). */
import { z } from 'zod';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const money = z.string().describe('exact decimal in the panel currency');

export const PaymentMethod = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: z.string().describe('manual, or the gateway (e.g. cryptomus)'),
    automatic: z.boolean().describe('true: paid at the gateway and credited when it confirms'),
    instructions: z.string(),
    min: money,
    max: money,
    adjustPercent: z.string().describe('fee (negative) or bonus (positive) percent of what is received'),
  })
  .meta({ id: 'PaymentMethod' });

export const PaymentMethodList = z
  .object({ currency: z.string(), methods: z.array(PaymentMethod) })
  .meta({ id: 'PaymentMethodList' });

export const PaymentState = z
  .enum(['pending', 'completed', 'partial', 'rejected', 'expired', 'failed', 'reversed'])
  .meta({ id: 'PaymentState' });

export const Payment = z
  .object({
    id: z.number().int(),
    methodId: z.number().int(),
    method: z.string(),
    kind: z.string(),
    state: z.string().describe('pending, completed, partial, rejected, expired, failed, reversed'),
    currency: z.string(),
    amount: money.describe('asked'),
    received: money.nullable().describe('confirmed by the gateway or the admin'),
    credited: money.describe('added to the balance (received with the fee or bonus)'),
    adjustPercent: z.string(),
    reference: z.string().nullable(),
    payUrl: z.string().nullable().describe('where to pay, while the invoice is open'),
    expiresAt: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
    endedAt: z.string().nullable(),
  })
  .meta({ id: 'Payment' });

export const StartPayment = z
  .object({
    methodId: id,
    amount: z.string().trim().min(1).max(40),
    reference: z.string().max(1000).optional().describe("manual methods: the transfer's reference"),
  })
  .meta({ id: 'StartPayment' });

export const PaymentList = z
  .object({ payments: z.array(Payment), nextBefore: z.number().int().nullable() })
  .meta({ id: 'PaymentList' });

export const PaymentListQuery = z.object({
  before: id.optional().describe('payments with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const PaymentIdParams = z.object({ id });
