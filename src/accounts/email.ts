/** A user's e-mail as stored: trimmed, lower-cased, validated; one account per address. */

import { isUniqueViolation } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { isEmailAddress, MAX_EMAIL_LENGTH } from '../settings/settings.js';
import { findUserByEmail, setUserEmail } from './users.repo.js';

/** The address as stored, or null when it is not one. */
export function normalizeEmail(text: string): string | null {
  const e = text.trim().toLowerCase();
  return isEmailAddress(e) ? e : null;
}

export const invalidEmail = () => fail({ code: 'invalid_email', maxLength: MAX_EMAIL_LENGTH });

/** Store `email` (already normalized, or null to clear) for the user, unless another account has it. */
export async function storeEmail(
  db: Executor,
  userId: number,
  email: string | null,
): Promise<Result<{ email: string | null }, FailureOf<'email_taken' | 'unknown_user'>>> {
  if (email !== null) {
    const other = await findUserByEmail(db, email);
    if (other && other.id !== userId) return fail({ code: 'email_taken' });
  }
  try {
    if (!(await setUserEmail(db, userId, email))) return fail({ code: 'unknown_user' });
  } catch (err) {
    // Another account took the address between the check and the write.
    if (isUniqueViolation(err)) return fail({ code: 'email_taken' });
    throw err;
  }
  return ok({ email });
}
