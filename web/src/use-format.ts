/** The formatters of format.ts bound to the language the customer reads the panel in. */
import { useTranslation } from 'react-i18next';
import { formatCount, formatDateTime, formatDecimal, formatMoney } from './format';

export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return {
    /** An exact amount with the locale's separators (for catalogue sentences with {{currency}}). */
    decimal: (amount: string) => formatDecimal(amount, locale),
    money: (amount: string, currency: string) => formatMoney(amount, currency, locale),
    count: (value: number | string) => formatCount(value, locale),
    dateTime: (iso: string) => formatDateTime(iso, locale),
  };
}
