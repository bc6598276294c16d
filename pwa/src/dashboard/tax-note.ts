import type { Overview } from '../../../server/contract/analytics.ts';
import { formatMoney, formatNumber, pluralOf } from '../i18n/format.ts';
import type { I18n } from '../i18n/i18n.ts';

/** One line under the revenue: does it include tax, and how much (null without transactions to say it of). */
export function taxNote(o: Overview, { t, locale }: Pick<I18n, 't' | 'locale'>): string | null {
  const amount = formatMoney(locale, o.currency, o.tax);
  if (o.tax_unknown_transactions > 0) {
    const n = o.tax_unknown_transactions;
    return t(`dashboard.kpi.tax_unknown_${pluralOf(locale, n)}`, { amount, count: formatNumber(locale, n) });
  }
  if (o.revenue_includes_tax === true) return t('dashboard.kpi.tax_included', { amount });
  if (o.revenue_includes_tax === false) return t('dashboard.kpi.tax_on_top', { amount });
  // No transaction of unknown tax, and still no answer: mixed, or no transactions at all.
  return o.tax === 0 && o.returns.sales + o.returns.returns === 0 ? null : t('dashboard.kpi.tax_mixed', { amount });
}
