/**
 * Use case: import services from a provider with a markup. Each upstream service becomes (or updates)
 * one of ours, remembered by (provider, upstream service id): type, min/max and flags follow the
 * upstream, the rate is the upstream rate plus the markup, rounded by money.ts's one rule. A
 * re-import updates rates and limits and disables our services whose upstream service vanished.
 */

import { MAX_QUANTITY_LIMIT } from '../catalog/create-service.js';
import type { Executor } from '../db/executor.js';
import { markupDecimalRate } from '../money.js';
import { fail, ok, type Result } from '../result.js';
import { getProviderServices } from './provider-queries.js';
import { normaliseServiceType } from './upstream/service-types.js';

export interface ImportReport {
  created: number[];
  updated: number[];
  disabled: number[];
  skipped: { service: string; reason: string }[];
}

export async function importServices(opts: {
  db: Executor;
  providerId: number;
  markupPercent?: string;
  category?: string;
  ids?: string[];
  /** Offer drip-feed on imported Default services even where the upstream lacks it (the engine splits runs). */
  dripfeed?: boolean;
  now?: number;
}): Promise<Result<ImportReport>> {
  const { db, providerId } = opts;
  const now = opts.now ?? Date.now();
  const markup = opts.markupPercent ?? '0';
  if (markupDecimalRate('1', markup) === null)
    return fail({ code: 'invalid', message: 'markup must be a percentage of at least -100, e.g. 25' });
  if (opts.category !== undefined && (!opts.category.trim() || opts.category.length > 200)) {
    return fail({ code: 'invalid', message: 'category must be 1-200 characters' });
  }
  const upstream = await getProviderServices({ db, providerId });
  if (!upstream.ok) return upstream;
  const report: ImportReport = { created: [], updated: [], disabled: [], skipped: [] };
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
      const dripfeed = type === 'Default' && (s.dripfeed || !!opts.dripfeed);
      const values = {
        type,
        rate_units: rateUnits,
        min_quantity: s.min,
        max_quantity: s.max,
        dripfeed: dripfeed ? 1 : 0,
        refill: s.refill ? 1 : 0,
        cancel: s.cancel ? 1 : 0,
        provider_rate: s.rate,
        provider_dripfeed: s.dripfeed ? 1 : 0,
      };
      const existing = await tx
        .selectFrom('services')
        .select('id')
        .where('provider_id', '=', providerId)
        .where('provider_service_id', '=', s.service)
        .executeTakeFirst();
      if (existing) {
        await tx.updateTable('services').set(values).where('id', '=', existing.id).execute();
        report.updated.push(Number(existing.id));
      } else {
        const row = await tx
          .insertInto('services')
          .values({
            ...values,
            name: s.name.trim() || `Service ${s.service}`,
            category: (opts.category ?? s.category).trim() || 'Other',
            description: s.description ?? '',
            provider_id: providerId,
            provider_service_id: s.service,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        report.created.push(Number(row.id));
      }
    }
    const ours = await tx
      .selectFrom('services')
      .select(['id', 'provider_service_id'])
      .where('provider_id', '=', providerId)
      .where('enabled', '=', 1)
      .execute();
    for (const o of ours) {
      if (o.provider_service_id !== null && !seen.has(o.provider_service_id)) {
        await tx.updateTable('services').set({ enabled: 0 }).where('id', '=', o.id).execute();
        report.disabled.push(Number(o.id));
      }
    }
  });
  return ok(report);
}
