/**
 * First start: when the panel has no users, create the operator's account and hand back its password
 * and API key so the start command can print them once. Nothing is stored in the clear.
 */

import { SYSTEM } from '../audit/actor.js';
import type { Executor } from './../db/executor.js';
import { createUser } from './create-user.js';
import { generatePassword } from './secrets.js';
import { countUsers } from './users.repo.js';

export async function bootstrapAdmin(opts: {
  db: Executor;
}): Promise<{ username: string; password: string; apiKey: string } | null> {
  if ((await countUsers(opts.db)) > 0) return null;
  const password = generatePassword();
  const created = await createUser({
    db: opts.db,
    actor: SYSTEM,
    input: { username: 'admin', password, role: 'admin' },
  });
  // Another process may have created it in the same instant; then it has printed the credentials.
  if (!created.ok) return null;
  return { username: 'admin', password, apiKey: created.value.apiKey };
}
