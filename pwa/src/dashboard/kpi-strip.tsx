import type { Overview } from '../../../server/contract/analytics.ts';
import { formatMoney, formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { shareText } from './share-text.ts';
import { taxNote } from './tax-note.ts';

/** The period's headline figures, large enough to read from across the counter. */
export function KpiStrip({ overview: o }: { overview: Overview }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const tiles: Array<{ id: string; label: string; value: string; note: string; tax?: string | null }> = [
    { id: 'revenue', label: t('dashboard.kpi.revenue'), value: formatMoney(locale, o.currency, o.revenue), note: t('dashboard.kpi.revenue_note'), tax: taxNote(o, i18n) },
    {
      id: 'buyers',
      label: t('dashboard.kpi.buyers'),
      value: formatNumber(locale, o.top_customers.buyers),
      note: o.top_customers.top20_revenue_share === null ? '' : t('dashboard.kpi.buyers_note', { share: shareText(locale, o.top_customers.top20_revenue_share) }),
    },
    {
      id: 'identified',
      label: t('dashboard.kpi.identified'),
      value: shareText(locale, o.identified.revenue_share),
      note: t('dashboard.kpi.identified_note', { amount: formatMoney(locale, o.currency, o.identified.anonymous_revenue) }),
    },
    {
      id: 'returns',
      label: t('dashboard.kpi.returns'),
      value: shareText(locale, o.returns.amount_rate, 1),
      note: t('dashboard.kpi.returns_note', { returns: formatNumber(locale, o.returns.returns), sales: formatNumber(locale, o.returns.sales) }),
    },
  ];
  return (
    <dl class="kpi-strip">
      {tiles.map((k) => (
        <div class="kpi" key={k.id} data-kpi={k.id}>
          <dt>{k.label}</dt>
          <dd class="kpi-value">{k.value}</dd>
          {k.note && <dd class="kpi-note">{k.note}</dd>}
          {k.tax && <dd class="kpi-note" data-tax>{k.tax}</dd>}
        </div>
      ))}
    </dl>
  );
}
