/**
 * Use case: a signed-in user starts turning on two-factor sign-in. A new secret is stored, pending
 * (sign-in does not ask for codes yet), and handed back once as text, as an otpauth URI and as a QR
 * code (SVG made here, no outside service). Starting again replaces a pending secret.
 */
import QRCode from 'qrcode';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getPanelName } from '../settings/settings.js';
import { newTotpSecret, totpUri } from './two-factor.js';
import { setPendingSecret } from './two-factor.repo.js';
import { findUserById } from './users.repo.js';

export async function startTwoFactorSetup(opts: {
  db: Executor;
  userId: number;
}): Promise<
  Result<{ secret: string; uri: string; qrSvg: string }, FailureOf<'two_factor_on' | 'unknown_user'>>
> {
  const { db } = opts;
  const user = await findUserById(db, opts.userId);
  if (!user) return fail({ code: 'unknown_user' });
  if (user.twoFactor) return fail({ code: 'two_factor_on' });
  const secret = newTotpSecret();
  if (!(await setPendingSecret(db, user.id, secret))) return fail({ code: 'two_factor_on' });
  const uri = totpUri({ issuer: await getPanelName(db), username: user.username, secret });
  const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return ok({ secret, uri, qrSvg });
}
