import type { Overview } from '../../../server/contract/analytics.ts';
import { useI18n } from '../i18n/i18n.ts';
import { ShareTable } from './share-table.tsx';

export function StageDistribution({ stages }: { stages: Overview['stages'] }) {
  const { t } = useI18n();
  const empty = stages.every((s) => s.customers === 0);
  return (
    <section class="panel dash-panel" aria-labelledby="stages-title">
      <h3 id="stages-title">{t('dashboard.stages.title')}</h3>
      <p class="hint">{t('dashboard.stages.hint')}</p>
      {empty ? (
        <p class="empty">{t('dashboard.no_data')}</p>
      ) : (
        <ShareTable
          testId="stages"
          caption={t('dashboard.stages.title')}
          rows={stages.map((s) => ({ key: s.stage, label: t(`stage.${s.stage}`), customers: s.customers, revenueShare: s.revenue_share }))}
        />
      )}
    </section>
  );
}
