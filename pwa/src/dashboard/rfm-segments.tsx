import type { Overview } from '../../../server/contract/analytics.ts';
import { formatMoney } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { ShareTable } from './share-table.tsx';

export function RfmSegments({ segments, currency }: { segments: Overview['segments']; currency: string }) {
  const { t, locale } = useI18n();
  return (
    <section class="panel dash-panel" aria-labelledby="segments-title">
      <h3 id="segments-title">{t('dashboard.segments.title')}</h3>
      <p class="hint">{t('dashboard.segments.hint')}</p>
      {segments.length === 0 ? (
        <p class="empty">{t('dashboard.no_data')}</p>
      ) : (
        <ShareTable
          testId="segments"
          caption={t('dashboard.segments.title')}
          rows={segments.map((s) => ({
            key: s.segment,
            label: t(`segment.${s.segment}`),
            customers: s.customers,
            revenueShare: s.revenue_share,
            revenueNote: formatMoney(locale, currency, s.revenue_12m),
          }))}
        />
      )}
    </section>
  );
}
