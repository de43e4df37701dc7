/**
 * Use case: import services from a provider with a markup. Each upstream service becomes (or updates)
 * one of ours, remembered by (provider, upstream service id): type, min/max and flags follow the
 * upstream, the rate is the upstream rate plus the markup, rounded by money.ts's one rule. A
 * re-import updates rates and limits and disables our services whose upstream service vanished.
 */

import { can } from '../accounts/roles.js';
import type { Actor, System } from '../audit/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import {
  brokenServiceRule,
  MAX_QUANTITY_LIMIT,
  type ServiceInput,
  serviceColumns,
  serviceRuleMessage,
} from '../catalog/service-rules.js';
import {
  findImportedService,
  findImportedServices,
  insertService,
  setServiceEnabledById,
  updateServiceRow,
} from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { markupDecimalRate } from '../money.js';
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { getProviderServices, type ProviderCallFailure } from './provider-queries.js';
import { normaliseServiceType } from './upstream/service-types.js';

export interface ImportReport {
  created: number[];
  updated: number[];
  disabled: number[];
  /** Updated services whose rate the operator set by hand and the import left as it was. */
  keptRates: number[];
  skipped: { service: string; reason: string }[];
}

export async function importServices(opts: {
  db: Executor;
  /** Staff (services.write, audited), or SYSTEM for the demo and tests' fixtures. */
  actor: Actor | System;
  providerId: number;
  markupPercent?: string;
  category?: string;
  ids?: string[];
  /** Offer drip-feed on imported Default services even where the upstream lacks it (the engine splits runs). */
  dripfeed?: boolean;
  /** Replace rates the operator set by hand too (by default they are kept and reported). */
  overwriteRates?: boolean;
  now?: number;
}): Promise<
  Result<ImportReport, ProviderCallFailure | FailureOf<'invalid_markup' | 'invalid_service' | 'forbidden'>>
> {
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
  const report: ImportReport = { created: [], updated: [], disabled: [], keptRates: [], skipped: [] };
  const wanted = opts.ids ? new Set(opts.ids.map((s) => s.trim())) : null;
  const seen = new Set(upstream.value.services.map((s) => s.service));
  if (upstream.value.skipped > 0)
    report.skipped.push({ service: '?', reason: `${upstream.value.skipped} unreadable entries` });

  await db.transaction().execute(async (tx) => {
    for (const s of upstream.value.services) {
      if (wanted && !wanted.has(s.service)) continue;
      const known = normaliseServiceType(s.type);
      if ('unknown' in known) {
        report.skipped.push({ service: s.service, reason: known.unknown });
        continue;
      }
      const type = known.type;
      if (s.min < 1n || s.max < s.min || s.max > MAX_QUANTITY_LIMIT) {
        report.skipped.push({ service: s.service, reason: `bad min/max ${s.min}/${s.max}` });
        continue;
      }
      const rateUnits = markupDecimalRate(s.rate, markup);
      if (rateUnits === null) {
        report.skipped.push({ service: s.service, reason: `bad rate "${s.rate}"` });
        continue;
      }
      const input: ServiceInput = {
        name: s.name.trim() || `Service ${s.service}`,
        category: (opts.category ?? s.category).trim() || 'Other',
        type,
        rateUnits,
        min: s.min,
        max: s.max,
        dripfeed: type === 'Default' && (s.dripfeed || !!opts.dripfeed),
        refill: s.refill,
        cancel: s.cancel,
        description: s.description ?? '',
      };
      // The same rules as a service the operator creates.
      const rule = brokenServiceRule(input);
      if (rule) {
        report.skipped.push({ service: s.service, reason: serviceRuleMessage(rule, type) });
        continue;
      }
      const { name, category, description, ...columns } = serviceColumns(input);
      const upstreamColumns = { ...columns, provider_rate: s.rate, provider_dripfeed: s.dripfeed ? 1 : 0 };
      const existing = await findImportedService(tx, providerId, s.service);
      if (existing) {
        const keepRate = existing.rateSetByHand && !opts.overwriteRates;
        if (keepRate) report.keptRates.push(existing.id);
        const { rate_units: _rate, ...others } = upstreamColumns;
        await updateServiceRow(
          tx,
          existing.id,
          keepRate ? others : { ...upstreamColumns, rate_set_by_hand: 0 },
        );
        report.updated.push(existing.id);
      } else {
        const id = await insertService(tx, {
          ...upstreamColumns,
          name,
          category,
          description,
          provider_id: providerId,
          provider_service_id: s.service,
          created_at: now,
        });
        report.created.push(id);
      }
    }
    for (const o of await findImportedServices(tx, providerId, { enabledOnly: true })) {
      if (!seen.has(o.upstreamId)) {
        await setServiceEnabledById(tx, o.id, false);
        report.disabled.push(o.id);
      }
    }
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
  });
  return ok(report);
}
