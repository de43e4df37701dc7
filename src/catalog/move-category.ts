/**
 * Use case: staff move a category of the catalogue one place up or down, or to a place (1 = first),
 * changing the order customers see in API v2 `services` and the web catalogue.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Executor } from '../db/executor.js';
import { inTransaction } from '../db/transaction.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type MoveTo, reorder } from './positions.js';
import { listCategories, setCategoryPosition } from './services.repo.js';

export async function moveCategory(opts: {
  db: Executor;
  actor: Actor;
  categoryId: number;
  to: MoveTo;
  now?: number;
}): Promise<
  Result<
    { id: number; position: number; changed: boolean },
    FailureOf<'unknown_category' | 'invalid_position' | 'forbidden'>
  >
> {
  const { actor, categoryId, to } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  return inTransaction(opts.db, async (tx) => {
    const all = await listCategories(tx);
    const before = all.findIndex((c) => c.id === categoryId);
    const moving = all[before];
    if (!moving) return fail({ code: 'unknown_category' });
    const order = reorder(
      all.map((c) => c.id),
      categoryId,
      to,
    );
    if (!Array.isArray(order)) return fail({ code: 'invalid_position', max: order.max });
    // Places 1..n, written where they differ (also mends ties left by older rows).
    for (const [i, id] of order.entries()) {
      if (all.find((c) => c.id === id)?.position !== i + 1) await setCategoryPosition(tx, id, i + 1);
    }
    const after = order.indexOf(categoryId);
    if (after !== before)
      await recordAudit(tx, {
        actor,
        action: 'category.move',
        subject: { type: 'category', id: categoryId },
        before: { name: moving.name, position: before + 1 },
        after: { name: moving.name, position: after + 1 },
        now: opts.now,
      });
    return ok({ id: categoryId, position: after + 1, changed: after !== before });
  });
}
