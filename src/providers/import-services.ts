/**
 * Use case: import services from a provider with a markup. Each upstream service becomes (or updates)
 * one of ours, remembered by (provider, upstream service id): type, min/max and flags follow the
 * upstream, the rate is the upstream rate plus the markup, rounded by money.ts's one rule. A
 * re-import updates rates and limits and disables our services whose upstream service vanished.
 * What it does is planned by import-plan.ts (the same plan previewImportServices shows), computed
 * inside the transaction from the provider's answer to this call: the report is what happened.
 */

import { can } from '../accounts/roles.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { insertService, setServiceEnabledById, updateServiceRow } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { markupDecimalRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { type ImportPlan, planImport } from './import-plan.js';
import { getProviderServices, type ProviderCallFailure } from './provider-queries.js';

export interface ImportReport {
  created: number[];
  updated: number[];
  disabled: number[];
  /** Updated services whose rate the operator set by hand and the import left as it was. */
  keptRates: number[];
  skipped: { service: string; reason: string }[];
  /** The plan that was applied, in full (the web page shows it; `created` holds the new ids). */
  applied: ImportPlan;
}

export interface ImportRequest {
  providerId: number;
  markupPercent?: string;
  category?: string;
  ids?: string[];
  /** Offer drip-feed on imported Default services even where the upstream lacks it (the engine splits runs). */
  dripfeed?: boolean;
  /** Replace rates the operator set by hand too (by default they are kept and reported). */
  overwriteRates?: boolean;
}

export type ImportFailure =
  | ProviderCallFailure
  | FailureOf<'invalid_markup' | 'invalid_service' | 'forbidden'>;

export async function importServices(
  opts: {
    db: Executor;
    /** Staff (services.write, audited), or SYSTEM for the demo and tests' fixtures. */
    actor: Actor | System;
    now?: number;
  } & ImportRequest,
): Promise<Result<ImportReport, ImportFailure>> {
  const { db, providerId, actor } = opts;
  if (actor !== 'system' && !can(actor.role, 'services.write')) return fail({ code: 'forbidden' });
  const now = opts.now ?? Date.now();
  const markup = opts.markupPercent ?? '0';
  if (markupDecimalRate('1', markup) === null) return fail({ code: 'invalid_markup' });
  if (opts.category !== undefined && (!opts.category.trim() || opts.category.length > 200)) {
    return fail({ code: 'invalid_service', rule: 'category_length' });
  }
  const upstream = await getProviderServices({ db, providerId });
  if (!upstream.ok) return upstream;

  const report = await db.transaction().execute(async (tx) => {
    const plan = await planImport(tx, { ...opts, markup }, upstream.value);
    const report: ImportReport = {
      created: [],
      updated: [...plan.changed.map((c) => c.id), ...plan.unchanged].sort((a, b) => a - b),
      disabled: plan.disabled.map((d) => d.id),
      keptRates: plan.keptRates.map((k) => k.id),
      skipped: plan.skipped,
      applied: plan,
    };
    for (const c of plan.changed) await updateServiceRow(tx, c.id, c.columns);
    for (const a of plan.added) {
      const id = await insertService(tx, {
        ...a.columns,
        provider_id: providerId,
        provider_service_id: a.upstreamId,
        created_at: now,
      });
      report.created.push(id);
    }
    for (const d of plan.disabled) await setServiceEnabledById(tx, d.id, false);
    if (actor !== 'system')
      await recordAudit(tx, {
        actor,
        action: 'services.import',
        subject: { type: 'provider', id: providerId },
        after: {
          markup,
          created: report.created,
          updated: report.updated,
          disabled: report.disabled,
          keptRates: report.keptRates,
          ...(opts.overwriteRates ? { overwriteRates: true } : {}),
        },
        now,
      });
    return report;
  });
  return ok(report);
}
