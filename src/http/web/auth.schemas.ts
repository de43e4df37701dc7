/** Requests and answers of the sign-in, sign-up and sign-out endpoints. */
import { z } from 'zod';
import { ROLES } from '../../accounts/roles.js';

export const Credentials = z
  .object({
    username: z.string().min(1).max(64),
    // Long enough for any passphrase, short enough that hashing it costs nothing extra.
    password: z.string().min(1).max(200),
  })
  .meta({ id: 'Credentials' });

export const SignUp = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(200),
    email: z.string().max(300).optional().describe('optional; where password reset links go'),
  })
  .meta({ id: 'SignUp' });

export const ForgotPassword = z
  .object({ login: z.string().min(1).max(300).describe('username or e-mail') })
  .meta({ id: 'ForgotPassword' });

export const ResetPassword = z
  .object({ token: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) })
  .meta({ id: 'ResetPassword' });

export const Me = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string().nullable(),
    admin: z.boolean(),
    role: z.enum(ROLES).describe('support and admin may open the admin area'),
    balance: z.string().describe('exact decimal in the panel currency'),
    currency: z.string(),
    twoFactor: z.boolean().describe('two-factor sign-in is on'),
    twoFactorSetupNeeded: z
      .boolean()
      .describe('a staff member who must turn on two-factor sign-in before the admin area answers'),
  })
  .meta({ id: 'Me' });

export const PanelInfo = z
  .object({
    panelName: z.string().describe('the name shown in the header'),
    signupOpen: z.boolean(),
    publicServices: z.boolean().describe('the services and list prices are shown to visitors not signed in'),
    currency: z.string(),
    passwordResetByMail: z
      .boolean()
      .describe('forgot-password sends a link; otherwise the operator resets passwords'),
  })
  .meta({ id: 'PanelInfo' });

export const CsrfToken = z.object({ token: z.string() }).meta({ id: 'CsrfToken' });

export const Ended = z.object({ ended: z.number().int() });
