/** The staff member the benchmarks' operator steps act as (audit log): the first admin, made when missing. */
import { createUser } from '../src/accounts/create-user.js';
import { findFirstAdmin } from '../src/accounts/users.repo.js';
import { type Actor, SYSTEM } from '../src/audit/actor.js';
import type { Executor } from '../src/db/executor.js';

export async function benchAdmin(db: Executor): Promise<Actor> {
  const first = await findFirstAdmin(db);
  if (first) return { id: first.id, kind: 'cli', role: 'admin' };
  const created = await createUser({ db, actor: SYSTEM, input: { username: 'bench_admin', role: 'admin' } });
  if (!created.ok) throw new Error(`bench_admin: ${created.failure.code}`);
  return { id: created.value.id, kind: 'cli', role: 'admin' };
}
