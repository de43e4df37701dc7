/** Funds history and the account's key and password. */
import { z } from 'zod';

export const FundsEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    kind: z.string().describe('deposit, order_charge, refund, adjustment, ...'),
    amount: z.string().describe('signed, exact'),
    balanceAfter: z.string(),
    order: z.number().int().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'FundsEntry' });

export const FundsQuery = z.object({
  before: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe("the previous page's nextBefore"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const Funds = z
  .object({
    balance: z.string(),
    currency: z.string(),
    entries: z.array(FundsEntry),
    nextBefore: z.number().int().nullable().describe('pass as `before` for the next page; null: last page'),
  })
  .meta({ id: 'Funds' });

export const WebSession = z
  .object({
    id: z.number().int(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    device: z.string().nullable().describe('"Chrome on Android"; null when unknown'),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().describe('the session making this request'),
  })
  .meta({ id: 'WebSession' });

export const SessionList = z.object({ sessions: z.array(WebSession) }).meta({ id: 'SessionList' });

export const SessionIdParams = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const SessionEnded = z
  .object({ signedOut: z.boolean().describe('true when it was this session: the cookie is cleared') })
  .meta({ id: 'SessionEnded' });

export const NewApiKey = z.object({ apiKey: z.string().describe('shown once') }).meta({ id: 'NewApiKey' });

export const ChangePassword = z
  .object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) })
  .meta({ id: 'ChangePassword' });

export const PasswordChanged = z.object({ endedSessions: z.number().int() });

export const ChangeEmail = z
  .object({
    currentPassword: z.string().min(1).max(200),
    email: z.string().max(300).describe('empty: remove the e-mail'),
  })
  .meta({ id: 'ChangeEmail' });

export const EmailChanged = z.object({ email: z.string().nullable() }).meta({ id: 'EmailChanged' });
