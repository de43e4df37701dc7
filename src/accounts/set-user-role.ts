/**
 * Use case: an admin makes an account a customer, support or admin (staff.manage). The last active
 * admin cannot be demoted: the panel would have no one left to manage it.
 */
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { can, type Role } from './roles.js';
import { countActiveAdmins, findUserByUsername, setUserRole as writeRole } from './users.repo.js';

export async function setUserRole(opts: {
  db: Executor;
  actor: Actor;
  username: string;
  role: Role;
  now?: number;
}): Promise<
  Result<{ userId: number; from: Role; to: Role }, FailureOf<'forbidden' | 'unknown_user' | 'last_admin'>>
> {
  const { db, actor, role } = opts;
  if (!can(actor.role, 'staff.manage')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  return inTransaction(db, async (tx) => {
    const user = await findUserByUsername(tx, opts.username);
    if (!user) return fail({ code: 'unknown_user' });
    if (user.role === role) return ok({ userId: user.id, from: user.role, to: role });
    if (user.role === 'admin' && !user.disabled && (await countActiveAdmins(tx)) <= 1)
      return fail({ code: 'last_admin' });
    await writeRole(tx, user.id, role);
    await recordAudit(tx, {
      actor,
      action: 'user.role',
      subject: { type: 'user', id: user.id },
      before: { role: user.role },
      after: { role },
      now,
    });
    return ok({ userId: user.id, from: user.role, to: role });
  });
}
