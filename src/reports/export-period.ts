/**
 * The period of an export: two UTC dates (YYYY-MM-DD), both included, at most MAX_EXPORT_DAYS days.
 * Pure; shared by the orders and the ledger export.
 */
import { type FailureOf, fail, ok, type Result } from '../result.js';
import { DAY_MS, type Period } from './reports.repo.js';

export const MAX_EXPORT_DAYS = 366;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a real calendar date written YYYY-MM-DD, or null (also for none). */
export function dayStart(text: string | undefined): number | null {
  if (text === undefined) return null;
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over to March: such a day does not exist.
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

export interface ExportPeriod extends Period {
  from: string;
  to: string;
  /** For the audit note and the file name: `from..to`. */
  label: string;
}

export function parseExportPeriod(
  from: string | undefined,
  to: string | undefined,
): Result<ExportPeriod, FailureOf<'invalid_export_period' | 'export_period_too_long'>> {
  const since = dayStart(from);
  const last = dayStart(to);
  if (since === null || last === null || from === undefined || to === undefined || since > last)
    return fail({ code: 'invalid_export_period' });
  const days = (last - since) / DAY_MS + 1;
  if (days > MAX_EXPORT_DAYS) return fail({ code: 'export_period_too_long', maxDays: MAX_EXPORT_DAYS });
  return ok({ since, until: last + DAY_MS, from, to, label: `${from}..${to}` });
}
