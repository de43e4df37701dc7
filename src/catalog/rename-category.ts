/** Use case: staff rename a category; its services move with it and it keeps its place. */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { brokenServiceRule } from './service-rules.js';
import { categoryNamed, listCategories, renameCategoryRows } from './services.repo.js';

export async function renameCategory(opts: {
  db: Executor;
  actor: Actor;
  categoryId: number;
  name: string;
  now?: number;
}): Promise<
  Result<
    { id: number; name: string },
    FailureOf<'unknown_category' | 'category_exists' | 'invalid_service' | 'forbidden'>
  >
> {
  const { actor, categoryId } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const name = opts.name.trim();
  // The same rule as a service's category.
  const rule = brokenServiceRule({
    name: 'x',
    category: opts.name,
    type: 'Default',
    rateUnits: 0n,
    min: 1n,
    max: 1n,
  });
  if (rule) return fail({ code: 'invalid_service', rule });
  return inTransaction(opts.db, async (tx) => {
    const current = (await listCategories(tx)).find((c) => c.id === categoryId);
    if (!current) return fail({ code: 'unknown_category' });
    if (current.name === name) return ok({ id: categoryId, name });
    if (await categoryNamed(tx, name)) return fail({ code: 'category_exists', name });
    await renameCategoryRows(tx, categoryId, current.name, name);
    await recordAudit(tx, {
      actor,
      action: 'category.rename',
      subject: { type: 'category', id: categoryId },
      before: { name: current.name },
      after: { name },
      now: opts.now,
    });
    return ok({ id: categoryId, name });
  });
}
