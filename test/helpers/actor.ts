/**
 * The staff member operator use cases act as in tests: the first admin of the database, created
 * (as `staff_admin`) when there is none yet.
 */

import { createUser } from '../../src/accounts/create-user.js';
import { findFirstAdmin } from '../../src/accounts/users.repo.js';
import { type Actor, SYSTEM } from '../../src/audit/actor.js';
import type { Executor } from '../../src/db/executor.js';

export async function adminActor(db: Executor, kind: Actor['kind'] = 'cli'): Promise<Actor> {
  const first = await findFirstAdmin(db);
  if (first) return { id: first.id, kind, role: 'admin' };
  const created = await createUser({ db, actor: SYSTEM, input: { username: 'staff_admin', role: 'admin' } });
  if (!created.ok) throw new Error(`staff_admin: ${created.failure.code}`);
  return { id: created.value.id, kind, role: 'admin' };
}
