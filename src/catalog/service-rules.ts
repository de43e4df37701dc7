/**
 * The rules every service of the catalogue obeys, whoever writes it: the operator creating or changing
 * one, or an import from a provider. One function, one list of broken rules with their messages.
 */
import { isServiceType } from './service-types.js';

export const MAX_QUANTITY_LIMIT = 10n ** 12n;
export const MAX_REFILL_DAYS = 36_500;

export interface ServiceInput {
  name: string;
  category: string;
  type: string;
  rateUnits: bigint;
  min: bigint;
  max: bigint;
  dripfeed?: boolean;
  refill?: boolean;
  cancel?: boolean;
  description?: string | undefined;
}

export type ServiceRule =
  | 'name_length'
  | 'category_length'
  | 'unknown_type'
  | 'negative_rate'
  | 'min_below_one'
  | 'max_below_min'
  | 'max_too_large'
  | 'dripfeed_not_default'
  | 'refill_days_range';

/** The first rule `input` breaks, or null when it is a valid service. */
export function brokenServiceRule(input: ServiceInput): ServiceRule | null {
  if (!input.name.trim() || input.name.length > 300) return 'name_length';
  if (!input.category.trim() || input.category.length > 200) return 'category_length';
  if (!isServiceType(input.type)) return 'unknown_type';
  if (input.rateUnits < 0n) return 'negative_rate';
  if (input.min < 1n) return 'min_below_one';
  if (input.max < input.min) return 'max_below_min';
  if (input.max > MAX_QUANTITY_LIMIT) return 'max_too_large';
  if (input.dripfeed && input.type !== 'Default') return 'dripfeed_not_default';
  return null;
}

/** Days after completion during which refills are accepted: null (lifetime) or 0..MAX_REFILL_DAYS. */
export function validRefillDays(days: number | null): boolean {
  return days === null || (Number.isSafeInteger(days) && days >= 0 && days <= MAX_REFILL_DAYS);
}

/** What to tell the operator; `type` is the refused type name, for unknown_type. */
export function serviceRuleMessage(rule: ServiceRule, type?: string): string {
  switch (rule) {
    case 'name_length':
      return 'name must be 1-300 characters';
    case 'category_length':
      return 'category must be 1-200 characters';
    case 'unknown_type':
      return type === undefined ? 'unknown service type' : `unknown type "${type}"`;
    case 'negative_rate':
      return 'rate must not be negative';
    case 'min_below_one':
      return 'min must be at least 1';
    case 'max_below_min':
      return 'max must be at least min';
    case 'max_too_large':
      return `max must be at most ${MAX_QUANTITY_LIMIT}`;
    case 'dripfeed_not_default':
      return 'drip-feed is only for services of type Default';
    case 'refill_days_range':
      return `refill days must be 0-${MAX_REFILL_DAYS} or "lifetime"`;
  }
}

/** The columns of a service as the operator defines it (shared by create and update). */
export function serviceColumns(input: ServiceInput) {
  return {
    name: input.name.trim(),
    category: input.category.trim(),
    type: input.type,
    rate_units: input.rateUnits,
    min_quantity: input.min,
    max_quantity: input.max,
    dripfeed: input.dripfeed ? 1 : 0,
    refill: input.refill ? 1 : 0,
    cancel: input.cancel ? 1 : 0,
    description: input.description ?? '',
  };
}
