/** Requests and answers of the admin area's Payments endpoints and payment methods. */
import { z } from 'zod';
import { Payment, PaymentState } from '../web/payments.schemas.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('a UTC day, YYYY-MM-DD');

export const PaymentsQuery = z.object({
  state: PaymentState.optional(),
  method: id.optional(),
  kind: z
    .enum(['manual', 'gateway'])
    .optional()
    .describe('manual: methods an admin decides (the manual queue with state=pending); gateway: the others'),
  user: z.string().trim().min(1).max(64).optional().describe('username'),
  from: day.optional().describe('made on or after this UTC day'),
  to: day.optional().describe('made on or before this UTC day'),
  before: id.optional().describe('payments with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const StaffPayment = Payment.extend({
  userId: z.number().int(),
  username: z.string(),
  gatewayRef: z.string().nullable(),
  gatewayStatus: z.string().nullable(),
  reversed: z.string(),
  shortfall: z.string().describe('what a reversal could not take back from the balance'),
  decidedBy: z.number().int().nullable(),
  checks: z.number().int(),
  nextCheckAt: z.string().nullable(),
  updatedAt: z.string(),
}).meta({ id: 'AdminPayment' });

export const StaffPaymentList = z
  .object({ payments: z.array(StaffPayment), nextBefore: z.number().int().nullable() })
  .meta({ id: 'AdminPaymentList' });

export const PaymentDetail = z
  .object({
    payment: StaffPayment,
    events: z.array(
      z.object({
        id: z.number().int(),
        source: z.string().describe('create, callback or status'),
        outcome: z.string(),
        gatewayStatus: z.string().nullable(),
        body: z.string().describe('what the gateway sent, as it came'),
        remote: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    entries: z.array(
      z.object({
        id: z.number().int(),
        kind: z.string(),
        amount: z.string(),
        balanceAfter: z.string(),
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'AdminPaymentDetail' });

export const PaymentIdParams = z.object({ id });

export const ApprovePayment = z
  .object({
    received: z.string().trim().max(40).optional().describe('what arrived (default: the amount asked)'),
    note: z.string().max(2000).optional(),
  })
  .meta({ id: 'AdminApprovePayment' });

export const RejectPayment = z
  .object({ note: z.string().max(2000).optional() })
  .meta({ id: 'AdminRejectPayment' });

export const ReversePayment = z.object({ note: z.string().max(2000) }).meta({ id: 'AdminReversePayment' });

export const TotalsQuery = z.object({ from: day, to: day });

export const PaymentTotals = z
  .object({
    currency: z.string(),
    waiting: z.object({ manual: z.number().int(), gateway: z.number().int() }),
    methods: z.array(
      z.object({
        methodId: z.number().int(),
        method: z.string(),
        counts: z.record(z.string(), z.number().int()),
        received: z.string(),
        credited: z.string(),
        reversed: z.string(),
        shortfall: z.string(),
        pendingAmount: z.string(),
      }),
    ),
  })
  .meta({ id: 'AdminPaymentTotals' });

const Field = z.object({
  name: z.string(),
  label: z.string(),
  secret: z.boolean(),
  required: z.boolean(),
  hint: z.string().optional(),
});

export const StaffMethod = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: z.string(),
    automatic: z.boolean(),
    instructions: z.string(),
    min: z.string(),
    max: z.string(),
    adjustPercent: z.string(),
    enabled: z.boolean(),
    position: z.number().int(),
    config: z.record(z.string(), z.string()),
    secretsSet: z.array(z.string()).describe('secret settings that are set (never their values)'),
    secretsUnreadable: z.boolean(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AdminPaymentMethod' });

export const StaffMethodList = z
  .object({
    kinds: z.array(
      z.object({ kind: z.string(), label: z.string(), automatic: z.boolean(), fields: z.array(Field) }),
    ),
    methods: z.array(StaffMethod),
  })
  .meta({ id: 'AdminPaymentMethodList' });

const MethodBody = {
  name: z.string().max(200),
  instructions: z.string().max(5000).default(''),
  min: z.string().trim().max(40),
  max: z.string().trim().max(40),
  adjustPercent: z.string().trim().max(10).default('0'),
  enabled: z.boolean().default(true),
  settings: z.record(z.string(), z.string().max(2000)).default({}),
};

export const CreateMethod = z
  .object({ kind: z.string().max(40), ...MethodBody })
  .meta({ id: 'AdminCreatePaymentMethod' });

export const UpdateMethod = z.object(MethodBody).meta({ id: 'AdminUpdatePaymentMethod' });
