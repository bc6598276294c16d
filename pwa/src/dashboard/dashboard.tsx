import { useState } from 'preact/hooks';
import { FailedScreen, LoadingScreen } from '../components/screen-states.tsx';
import type { ApiClient } from '../api/client.ts';
import { formatDate } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { ActionConversion } from './action-conversion.tsx';
import { AtRiskCallList } from './at-risk-call-list.tsx';
import { AudienceDownload } from './audience-download.tsx';
import { CohortHeatmap } from './cohort-heatmap.tsx';
import { KpiStrip } from './kpi-strip.tsx';
import { ModelHealthPanel } from './model-health.tsx';
import { RepeatConversion } from './repeat-conversion.tsx';
import { RfmSegments } from './rfm-segments.tsx';
import { StageDistribution } from './stage-distribution.tsx';
import { useDashboardData } from './use-dashboard-data.ts';

export interface DashboardProps {
  api: ApiClient;
}

/** The store manager's figures over the last 12 months, the call list and audience exports. */
export function Dashboard({ api }: DashboardProps) {
  const { t, locale } = useI18n();
  const [attempt, setAttempt] = useState(0);
  const data = useDashboardData(api, attempt);

  if (data.kind === 'error')
    return <FailedScreen error={data.error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (data.kind === 'loading')
    return <LoadingScreen text={t('dashboard.loading')} />;
  const { overview, atRisk } = data;
  // The period's end is exclusive: the last day shown is the day before it.
  const lastDay = new Date(Date.parse(overview.period.to) - 1).toISOString();
  return (
    <main id="main" class="dashboard" aria-labelledby="dashboard-title">
      <div class="dashboard-head">
        <h2 id="dashboard-title">{t('dashboard.title')}</h2>
        <p class="muted" data-testid="period">
          {t('dashboard.period', { from: formatDate(locale, overview.period.from), to: formatDate(locale, lastDay) })}
        </p>
      </div>
      <KpiStrip overview={overview} />
      <div class="dashboard-grid">
        <StageDistribution stages={overview.stages} />
        <RepeatConversion conversion={overview.repeat_conversion} />
        <CohortHeatmap cohorts={overview.cohorts} />
        <AtRiskCallList api={api} first={atRisk} />
        <ActionConversion actions={overview.actions} currency={overview.currency} />
        <RfmSegments segments={overview.segments} currency={overview.currency} />
        <AudienceDownload api={api} />
        <ModelHealthPanel api={api} />
      </div>
    </main>
  );
}
