/**
 * Use case: a visitor opens an account on the web panel (when the operator allows it: setting
 * `signup`, open by default) and is signed in at once. The same rules as `users create`.
 */
import { SYSTEM } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { isSignupOpen } from '../settings/settings.js';
import { type CreateUserFailure, createUser } from './create-user.js';
import { type SessionClient, startSession } from './start-session.js';

export async function signUp(opts: {
  db: Executor;
  username: string;
  password: string;
  /** Optional; where password reset links go. */
  email?: string | undefined;
  now?: number;
  /** Where the session is opened from (User-Agent, address), kept with it. */
  client?: SessionClient | undefined;
}): Promise<
  Result<{ token: string; userId: number; username: string }, CreateUserFailure | FailureOf<'signup_closed'>>
> {
  const now = opts.now ?? Date.now();
  if (!(await isSignupOpen(opts.db))) return fail({ code: 'signup_closed' });
  const created = await createUser({
    db: opts.db,
    actor: SYSTEM,
    input: { username: opts.username, password: opts.password, email: opts.email },
    now,
  });
  if (!created.ok) return created;
  const token = await startSession({ db: opts.db, userId: created.value.id, now, client: opts.client });
  return ok({ token, userId: created.value.id, username: created.value.username });
}
