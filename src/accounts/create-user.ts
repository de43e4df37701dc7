/**
 * Use case: create a customer or staff account, returning its first API key (shown only once). Staff
 * (an actor) need users.write, and staff.manage to create a support or admin account; first start
 * and sign-up act as SYSTEM and are not audited.
 */

import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { creditInTx } from '../ledger/ledger.repo.js';
import { formatAmount } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { invalidEmail, normalizeEmail } from './email.js';
import { MIN_PASSWORD_LENGTH } from './reset-password.js';
import { can, isStaff, type Role } from './roles.js';
import { generateApiKey, generatePassword, hashApiKey, hashPassword } from './secrets.js';
import { findUserByEmail, findUserByUsername, insertUser } from './users.repo.js';

export const USERNAME_RE = /^[A-Za-z0-9_.-]{3,64}$/;

export type CreateUserFailure = FailureOf<
  | 'invalid_username'
  | 'weak_password'
  | 'negative_amount'
  | 'user_exists'
  | 'invalid_email'
  | 'email_taken'
  | 'forbidden'
>;

export interface CreateUserInput {
  username: string;
  password?: string | undefined;
  balanceUnits?: bigint | undefined;
  /** customer when absent. */
  role?: Role | undefined;
  /** Optional; where password reset links go. */
  email?: string | undefined;
  /** No password given: make one (answered once as `generatedPassword`). */
  generatePassword?: boolean | undefined;
}

export async function createUser(opts: {
  db: Executor;
  actor: Actor | System;
  input: CreateUserInput;
  now?: number;
}): Promise<
  Result<
    { id: number; username: string; apiKey: string; generatedPassword: string | null },
    CreateUserFailure
  >
> {
  const { db, input, actor } = opts;
  const now = opts.now ?? Date.now();
  const role = input.role ?? 'customer';
  if (actor !== 'system') {
    if (!can(actor.role, 'users.write')) return fail({ code: 'forbidden' });
    if (isStaff(role) && !can(actor.role, 'staff.manage')) return fail({ code: 'forbidden' });
  }
  if (!USERNAME_RE.test(input.username)) {
    return fail({ code: 'invalid_username' });
  }
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  }
  if (input.balanceUnits !== undefined && input.balanceUnits < 0n) {
    return fail({ code: 'negative_amount' });
  }
  const email = input.email === undefined || input.email.trim() === '' ? null : normalizeEmail(input.email);
  if (email === null && input.email !== undefined && input.email.trim() !== '') return invalidEmail();
  const apiKey = generateApiKey();
  const generated = input.password === undefined && input.generatePassword ? generatePassword() : null;
  const password = input.password ?? generated;
  const passwordHash = password ? await hashPassword(password) : null;
  // A transient failure (serialization, deadlock, lost connection) before COMMIT runs it all again.
  const outcome = await inTransaction(db, async (tx): Promise<Result<number, CreateUserFailure>> => {
    if (await findUserByUsername(tx, input.username))
      return fail({ code: 'user_exists', username: input.username });
    if (email !== null && (await findUserByEmail(tx, email))) return fail({ code: 'email_taken' });
    const id = await insertUser(tx, {
      username: input.username,
      password_hash: passwordHash,
      api_key_hash: hashApiKey(apiKey),
      role,
      balance_units: 0,
      created_at: now,
      email,
    });
    if (input.balanceUnits && input.balanceUnits > 0n) {
      await creditInTx(tx, {
        userId: id,
        amountUnits: input.balanceUnits,
        kind: 'deposit',
        note: 'opening balance',
        now,
      });
    }
    if (actor !== 'system')
      await recordAudit(tx, {
        actor,
        action: 'user.create',
        subject: { type: 'user', id },
        after: { username: input.username, role, email, balance: formatAmount(input.balanceUnits ?? 0n) },
        now,
      });
    return ok(id);
  });
  if (!outcome.ok) return outcome;
  return ok({ id: outcome.value, username: input.username, apiKey, generatedPassword: generated });
}
