/** Requests and answers of the admin area's staff and account management (two-factor reset, roles, keys, rates, history). */
import { z } from 'zod';
import { ROLES } from '../../accounts/roles.js';

export const TwoFactorReset = z
  .object({ note: z.string().trim().max(500).optional() })
  .meta({ id: 'AdminTwoFactorReset' });

export const TwoFactorResetDone = z
  .object({ endedSessions: z.number().int() })
  .meta({ id: 'AdminTwoFactorResetDone' });

export const NewAccount = z
  .object({
    username: z.string().max(64),
    password: z
      .string()
      .max(200)
      .optional()
      .describe('at least 8 characters; left out: one is generated and answered once'),
    role: z.enum(ROLES),
    email: z.string().max(300).optional(),
  })
  .meta({ id: 'AdminNewAccount' });

export const AccountCreated = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(ROLES),
    password: z.string().nullable().describe('the generated password, shown once; null when given'),
    apiKey: z.string().describe('shown once'),
  })
  .meta({ id: 'AdminAccountCreated' });

export const RoleChange = z.object({ role: z.enum(ROLES) }).meta({ id: 'AdminRoleChange' });

export const RoleChanged = z
  .object({ from: z.enum(ROLES), to: z.enum(ROLES) })
  .meta({ id: 'AdminRoleChanged' });

export const KeyRotated = z
  .object({ apiKey: z.string().describe('shown once') })
  .meta({ id: 'AdminKeyRotated' });

export const UserRates = z
  .object({
    rates: z.array(
      z.object({
        service: z.number().int(),
        name: z.string(),
        rate: z.string().describe('the user’s price per 1000, exact decimal'),
        serviceRate: z.string().describe('the service’s list price per 1000'),
      }),
    ),
  })
  .meta({ id: 'AdminUserRates' });

export const SetRate = z
  .object({
    service: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    rate: z.string().max(64).describe('price per 1000, at most 4 decimals'),
  })
  .meta({ id: 'AdminSetRate' });

export const RateServiceParams = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  service: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const FundsPageQuery = z.object({
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const FundsPage = z
  .object({
    entries: z.array(
      z.object({
        id: z.number().int(),
        at: z.string(),
        kind: z.string(),
        amount: z.string(),
        balanceAfter: z.string(),
        order: z.number().int().nullable(),
        note: z.string().nullable(),
      }),
    ),
    nextBefore: z.number().int().nullable(),
  })
  .meta({ id: 'AdminFundsPage' });

export const UserTickets = z
  .object({
    tickets: z.array(
      z.object({
        id: z.number().int(),
        subject: z.string(),
        orderIds: z.array(z.number().int()),
        state: z.string(),
        createdAt: z.string(),
        updatedAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'AdminUserTickets' });

export const UserSessions = z
  .object({
    sessions: z.array(
      z.object({
        id: z.number().int(),
        createdAt: z.string(),
        lastSeenAt: z.string(),
        expiresAt: z.string(),
        device: z.string().nullable(),
        ip: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'AdminUserSessions' });
