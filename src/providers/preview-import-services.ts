/**
 * Use case: what `importServices` with the same options would do, without writing anything (no
 * service, no audit entry): the services to add, to change (old -> new), to disable, the hand-set
 * rates kept and the entries skipped. It asks the provider for its services once; the import asks
 * again, so a change upstream in between is possible and the import's report is what happened.
 */
import { can } from '../accounts/roles.js';
import type { Actor } from '../audit/actor.js';
import type { Executor } from '../db/executor.js';
import { markupDecimalRate } from '../money.js';
import { fail, ok, type Result } from '../result.js';
import { type ImportPlan, planImport } from './import-plan.js';
import type { ImportFailure, ImportRequest } from './import-services.js';
import { getProviderServices } from './provider-queries.js';

export async function previewImportServices(
  opts: { db: Executor; actor: Actor } & ImportRequest,
): Promise<Result<ImportPlan, ImportFailure>> {
  const { db, actor, providerId } = opts;
  if (!can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const markup = opts.markupPercent ?? '0';
  if (markupDecimalRate('1', markup) === null) return fail({ code: 'invalid_markup' });
  if (opts.category !== undefined && (!opts.category.trim() || opts.category.length > 200)) {
    return fail({ code: 'invalid_service', rule: 'category_length' });
  }
  const upstream = await getProviderServices({ db, providerId });
  if (!upstream.ok) return upstream;
  return ok(await planImport(db, { ...opts, markup }, upstream.value));
}
