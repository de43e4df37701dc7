/** Requests and answers of two-factor sign-in: the sign-in step and the Account page's setup. */
import { z } from 'zod';

const code = z.string().trim().min(1).max(20).describe('the 6-digit code from the authenticator app');
const recoveryCode = z.string().trim().min(1).max(40).describe('one unused recovery code');

export const TwoFactorPending = z
  .object({
    twoFactor: z.literal('required'),
    token: z.string().describe('send with a code to POST /auth/two-factor within 5 minutes (5 tries)'),
  })
  .meta({ id: 'TwoFactorPending' });

export const TwoFactorSignIn = z
  .object({
    token: z.string().min(1).max(100),
    code: code.optional(),
    recoveryCode: recoveryCode.optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'give code or recoveryCode',
  })
  .meta({ id: 'TwoFactorSignIn' });

export const TwoFactorStatus = z
  .object({
    enabled: z.boolean(),
    enabledAt: z.string().nullable(),
    recoveryCodesLeft: z.number().int(),
    requiredForYou: z.boolean().describe('staff must turn it on to use the admin area'),
  })
  .meta({ id: 'TwoFactorStatus' });

export const TwoFactorSetup = z
  .object({
    secret: z.string().describe('base32; type it into the app if the QR code cannot be scanned'),
    uri: z.string().describe('otpauth:// URI'),
    qrSvg: z.string().describe('the URI as a QR code, SVG markup'),
  })
  .meta({ id: 'TwoFactorSetup' });

export const TwoFactorCode = z.object({ code }).meta({ id: 'TwoFactorCode' });

export const TwoFactorOff = z
  .object({
    password: z.string().min(1).max(200),
    code: code.optional(),
    recoveryCode: recoveryCode.optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'give code or recoveryCode',
  })
  .meta({ id: 'TwoFactorOff' });

export const RecoveryCodes = z
  .object({
    recoveryCodes: z.array(z.string()).describe('shown once; each works once'),
    endedSessions: z.number().int().optional(),
  })
  .meta({ id: 'RecoveryCodes' });

export const TwoFactorTurnedOff = z
  .object({ endedSessions: z.number().int() })
  .meta({ id: 'TwoFactorTurnedOff' });
