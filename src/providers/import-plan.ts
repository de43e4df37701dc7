/**
 * What an import of a provider's services would do, worked out from the provider's list and our
 * services without writing anything: the services to add, those to change (with old and new values),
 * those to disable (vanished upstream), the hand-set rates kept, and the entries skipped with the
 * reason. The preview shows it; the import computes it again inside its transaction and applies it,
 * so the two follow one set of rules.
 */
import {
  brokenServiceRule,
  MAX_QUANTITY_LIMIT,
  type ServiceInput,
  serviceColumns,
  serviceRuleMessage,
} from '../catalog/service-rules.js';
import { findImportedServiceRows } from '../catalog/services.repo.js';
import type { Executor } from '../db/executor.js';
import { formatRate, markupDecimalRate } from '../money.js';
import type { UpstreamService } from './upstream/answers.js';
import { normaliseServiceType } from './upstream/service-types.js';

export interface ImportOptions {
  providerId: number;
  /** Percent added to the upstream rate ("25"); validated by the caller. */
  markup: string;
  category?: string | undefined;
  ids?: string[] | undefined;
  dripfeed?: boolean | undefined;
  overwriteRates?: boolean | undefined;
}

/** A value before and after. */
export interface Change<T> {
  from: T;
  to: T;
}

export interface PlannedAdd {
  upstreamId: string;
  name: string;
  category: string;
  type: string;
  rate: string;
  providerRate: string;
  min: string;
  max: string;
  /** The row to insert. */
  columns: ReturnType<typeof serviceColumns> & { provider_rate: string; provider_dripfeed: number };
}

export interface PlannedChange {
  id: number;
  upstreamId: string;
  name: string;
  /** Only what differs. */
  rate?: Change<string>;
  providerRate?: Change<string | null>;
  min?: Change<string>;
  max?: Change<string>;
  type?: Change<string>;
  /** dripfeed, refill, cancel: the flags that change. */
  flags?: Change<string[]>;
  /** The columns to write. */
  columns: Record<string, unknown>;
}

export interface KeptRate {
  id: number;
  name: string;
  /** Our rate, set by hand, which the import leaves as it is. */
  rate: string;
  /** What the import would have set. */
  importRate: string;
}

export interface ImportPlan {
  added: PlannedAdd[];
  changed: PlannedChange[];
  /** Our services matched upstream with nothing to change. */
  unchanged: number[];
  disabled: { id: number; name: string; upstreamId: string }[];
  keptRates: KeptRate[];
  skipped: { service: string; reason: string }[];
}

const FLAGS = ['dripfeed', 'refill', 'cancel'] as const;

export async function planImport(
  db: Executor,
  opts: ImportOptions,
  upstream: { services: UpstreamService[]; skipped: number },
): Promise<ImportPlan> {
  const plan: ImportPlan = {
    added: [],
    changed: [],
    unchanged: [],
    disabled: [],
    keptRates: [],
    skipped: [],
  };
  const wanted = opts.ids ? new Set(opts.ids.map((s) => s.trim())) : null;
  const seen = new Set(upstream.services.map((s) => s.service));
  if (upstream.skipped > 0)
    plan.skipped.push({ service: '?', reason: `${upstream.skipped} unreadable entries` });
  const ours = await findImportedServiceRows(db, opts.providerId);
  const byUpstream = new Map<string, (typeof ours)[number]>();
  for (const o of ours) if (!byUpstream.has(o.upstreamId)) byUpstream.set(o.upstreamId, o);
  const planned = new Set<string>();

  for (const s of upstream.services) {
    if (wanted && !wanted.has(s.service)) continue;
    // The same upstream id twice in one answer: the first one counts.
    if (planned.has(s.service)) continue;
    const known = normaliseServiceType(s.type);
    if ('unknown' in known) {
      plan.skipped.push({ service: s.service, reason: known.unknown });
      continue;
    }
    const type = known.type;
    if (s.min < 1n || s.max < s.min || s.max > MAX_QUANTITY_LIMIT) {
      plan.skipped.push({ service: s.service, reason: `bad min/max ${s.min}/${s.max}` });
      continue;
    }
    const rateUnits = markupDecimalRate(s.rate, opts.markup);
    if (rateUnits === null) {
      plan.skipped.push({ service: s.service, reason: `bad rate "${s.rate}"` });
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
      plan.skipped.push({ service: s.service, reason: serviceRuleMessage(rule, type) });
      continue;
    }
    planned.add(s.service);
    const columns = serviceColumns(input);
    const upstreamColumns = { ...columns, provider_rate: s.rate, provider_dripfeed: s.dripfeed ? 1 : 0 };
    const existing = byUpstream.get(s.service);
    if (!existing) {
      plan.added.push({
        upstreamId: s.service,
        name: columns.name,
        category: columns.category,
        type,
        rate: formatRate(rateUnits),
        providerRate: s.rate,
        min: s.min.toString(),
        max: s.max.toString(),
        columns: upstreamColumns,
      });
      continue;
    }
    // A re-import keeps our name, category and description; it follows the upstream's type, limits,
    // flags and rate (unless the operator set the rate by hand and did not ask to overwrite it).
    const keepRate = existing.rateSetByHand && !opts.overwriteRates;
    if (keepRate)
      plan.keptRates.push({
        id: existing.id,
        name: existing.name,
        rate: formatRate(existing.rateUnits),
        importRate: formatRate(rateUnits),
      });
    const { name: _n, category: _c, description: _d, rate_units: _r, ...others } = upstreamColumns;
    const write: Record<string, unknown> = keepRate
      ? others
      : { ...others, rate_units: rateUnits, rate_set_by_hand: 0 };
    const change: PlannedChange = {
      id: existing.id,
      upstreamId: s.service,
      name: existing.name,
      columns: write,
    };
    let differs = false;
    if (!keepRate && rateUnits !== existing.rateUnits) {
      change.rate = { from: formatRate(existing.rateUnits), to: formatRate(rateUnits) };
      differs = true;
    }
    if (!keepRate && existing.rateSetByHand) differs = true;
    if (existing.providerRate !== s.rate) {
      change.providerRate = { from: existing.providerRate, to: s.rate };
      differs = true;
    }
    if (existing.minQuantity !== s.min) {
      change.min = { from: existing.minQuantity.toString(), to: s.min.toString() };
      differs = true;
    }
    if (existing.maxQuantity !== s.max) {
      change.max = { from: existing.maxQuantity.toString(), to: s.max.toString() };
      differs = true;
    }
    if (existing.type !== type) {
      change.type = { from: existing.type, to: type };
      differs = true;
    }
    const now = { dripfeed: !!input.dripfeed, refill: !!input.refill, cancel: !!input.cancel };
    if (FLAGS.some((f) => existing[f] !== now[f])) {
      change.flags = { from: FLAGS.filter((f) => existing[f]), to: FLAGS.filter((f) => now[f]) };
      differs = true;
    }
    if (existing.providerDripfeed !== s.dripfeed) differs = true;
    if (differs) plan.changed.push(change);
    else plan.unchanged.push(existing.id);
  }
  for (const o of ours) {
    if (o.enabled && !seen.has(o.upstreamId))
      plan.disabled.push({ id: o.id, name: o.name, upstreamId: o.upstreamId });
  }
  return plan;
}
