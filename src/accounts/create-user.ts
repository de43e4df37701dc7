/** Use case: create a customer or admin account, returning its first API key (shown only once). */

import type { Executor } from './../db/executor.js';
import { creditInTx } from '../ledger/ledger.repo.js';
import { type Failure, fail, ok, type Result } from '../result.js';
import { MIN_PASSWORD_LENGTH } from './reset-password.js';
import { generateApiKey, hashApiKey, hashPassword } from './secrets.js';

export const USERNAME_RE = /^[A-Za-z0-9_.-]{3,64}$/;

export interface CreateUserInput {
  username: string;
  password?: string | undefined;
  balanceUnits?: bigint | undefined;
  admin?: boolean | undefined;
}

export async function createUser(opts: {
  db: Executor;
  input: CreateUserInput;
  now?: number;
}): Promise<Result<{ id: number; username: string; apiKey: string }>> {
  const { db, input } = opts;
  const now = opts.now ?? Date.now();
  if (!USERNAME_RE.test(input.username)) {
    return fail({ code: 'invalid', message: 'username must be 3-64 characters of letters, digits, _ . -' });
  }
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    return fail({ code: 'weak_password', minLength: MIN_PASSWORD_LENGTH });
  }
  if (input.balanceUnits !== undefined && input.balanceUnits < 0n) {
    return fail({ code: 'invalid', message: 'balance cannot be negative' });
  }
  const apiKey = generateApiKey();
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const outcome = await db.transaction().execute(async (tx): Promise<Result<number>> => {
    const existing = await tx
      .selectFrom('users')
      .select('id')
      .where('username', '=', input.username)
      .executeTakeFirst();
    if (existing)
      return fail({ code: 'conflict', message: `user ${input.username} already exists` } as Failure);
    const row = await tx
      .insertInto('users')
      .values({
        username: input.username,
        password_hash: passwordHash,
        api_key_hash: hashApiKey(apiKey),
        is_admin: input.admin ? 1 : 0,
        balance_units: 0,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    if (input.balanceUnits && input.balanceUnits > 0n) {
      await creditInTx(tx, {
        userId: id,
        amountUnits: input.balanceUnits,
        kind: 'deposit',
        note: 'opening balance',
        now,
      });
    }
    return ok(id);
  });
  if (!outcome.ok) return outcome;
  return ok({ id: outcome.value, username: input.username, apiKey });
}
