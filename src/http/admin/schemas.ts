/** Requests and answers of the admin area's endpoints (users, funds, the audit log). */
import { z } from 'zod';
import { ROLES } from '../../accounts/roles.js';
import { ORDER_STATUSES } from '../../orders/order.state.js';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const UserIdParams = z.object({ id });

export const UsersQuery = z.object({
  q: z.string().max(200).optional().describe('part of the username or e-mail, any case'),
  before: id.optional().describe('users with a smaller id (the previous answer’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const StaffUser = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string().nullable(),
    role: z.enum(ROLES),
    balance: z.string().describe('exact decimal in the panel currency'),
    state: z.enum(['active', 'disabled']),
    createdAt: z.string(),
    twoFactor: z.boolean().describe('two-factor sign-in is on'),
  })
  .meta({ id: 'AdminStaffUser' });

export const UserList = z
  .object({
    users: z.array(StaffUser),
    nextBefore: z.number().int().nullable().describe('pass as `before` for the next page; null: last page'),
  })
  .meta({ id: 'AdminUserList' });

export const UserOrder = z
  .object({
    id: z.number().int(),
    service: z.string().describe('the service’s name (its id when it has none)'),
    quantity: z.string(),
    charge: z.string(),
    status: z.enum(ORDER_STATUSES),
    createdAt: z.string(),
  })
  .meta({ id: 'AdminUserOrder' });

export const FundsEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    kind: z.string(),
    amount: z.string().describe('signed exact decimal'),
    balanceAfter: z.string(),
    order: z.number().int().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'AdminFundsEntry' });

export const UserDetail = z
  .object({
    user: StaffUser,
    currency: z.string(),
    orders: z.number().int().describe('orders placed'),
    sessions: z.number().int().describe('web sessions not ended'),
    recentOrders: z.array(UserOrder),
    recentFunds: z.array(FundsEntry),
  })
  .meta({ id: 'AdminUserDetail' });

export const AdjustFunds = z
  .object({
    amount: z
      .string()
      .max(64)
      .describe('exact decimal in the panel currency; negative deducts (never below 0)'),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: 'AdminAdjustFunds' });

export const FundsAdjusted = z
  .object({ balance: z.string(), currency: z.string() })
  .meta({ id: 'AdminFundsAdjusted' });

export const UserState = z
  .object({ state: z.enum(['active', 'disabled']), changed: z.boolean() })
  .meta({ id: 'AdminUserStateChange' });

export const NewPassword = z
  .object({
    password: z.string().describe('shown once; only its hash is kept'),
    endedSessions: z.number().int(),
  })
  .meta({ id: 'AdminNewPassword' });

export const AuditQuery = z.object({
  actor: z.string().max(64).optional().describe('username of the staff member'),
  action: z.string().max(64).optional().describe('action or its start, e.g. funds or user.disable'),
  subject: z.string().max(100).optional().describe('type:id (user:12) or a type'),
  before: id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    via: z.enum(['web', 'cli']),
    action: z.string(),
    subject: z.string(),
    before: z.unknown().describe('JSON facts before the change, or null'),
    after: z.unknown().describe('JSON facts after the change, or null'),
    note: z.string().nullable(),
  })
  .meta({ id: 'AdminAuditEntry' });

export const AuditList = z
  .object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable() })
  .meta({ id: 'AdminAuditList' });

export const AdminSettings = z
  .object({
    panelName: z.string(),
    currency: z.string(),
    signupOpen: z.boolean(),
    publicServices: z.boolean(),
    staffTwoFactorRequired: z
      .boolean()
      .describe('staff must turn on two-factor sign-in before using the admin area'),
    smtpUrl: z.string().nullable().describe('password masked as ****; null: no mail server'),
    mailFrom: z.string().nullable(),
    publicUrl: z.string().nullable(),
    passwordResetByMail: z.boolean(),
  })
  .meta({ id: 'AdminSettings' });

export const AdminSettingsChange = z
  .object({
    panelName: z.string().max(200).optional().describe('1-60 characters, no control characters'),
    currency: z.string().max(10).optional().describe('ISO 4217 code in capitals, e.g. EUR'),
    signupOpen: z.boolean().optional(),
    publicServices: z.boolean().optional(),
    staffTwoFactorRequired: z.boolean().optional(),
    smtpUrl: z
      .string()
      .max(500)
      .nullable()
      .optional()
      .describe(
        'smtp://user:pass@host:587 or smtps://...; null clears it; leave it out to keep the stored one ' +
          '(the masked value from GET is never stored)',
      ),
    mailFrom: z.string().max(254).nullable().optional().describe('null clears it'),
    publicUrl: z.string().max(500).nullable().optional().describe('null clears it'),
  })
  .meta({ id: 'AdminSettingsChange' });

export const AdminSettingsSaved = z
  .object({
    changed: z.array(z.string()).describe('names of the settings that changed'),
    settings: AdminSettings,
  })
  .meta({ id: 'AdminSettingsSaved' });
