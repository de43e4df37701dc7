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

export const Funds = z
  .object({ balance: z.string(), currency: z.string(), entries: z.array(FundsEntry) })
  .meta({ id: 'Funds' });

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
