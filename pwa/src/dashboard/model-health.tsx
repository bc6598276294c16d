import { useEffect, useState } from 'preact/hooks';
import { type ModelHealth, modelHealthSchema } from '../../../server/contract/analytics.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatDate, formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

const two = (locale: string, x: number | null) => (x === null ? '–' : x.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

/**
 * Do the models work on this store's customers? Each snapshot of predictions beside what happened once its
 * horizon passed: ranking of buyers (AUC) against recency alone, purchases predicted against counted, and how
 * much of the next basket the recommendations held.
 */
export function ModelHealthPanel({ api }: { api: ApiClient }) {
  const { t, locale } = useI18n();
  const [health, setHealth] = useState<ModelHealth | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api
      .call('GET', '/api/v1/analytics/models', modelHealthSchema)
      .then((h) => live && setHealth(h))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [api]);

  return (
    <section class="panel dash-panel panel-wide" aria-labelledby="model-health-title">
      <h3 id="model-health-title">{t('dashboard.models.title')}</h3>
      <p class="hint">{t('dashboard.models.hint')}</p>
      {error !== null && <ErrorBanner error={error} />}
      {health && health.snapshots.length === 0 && <p class="empty">{t('dashboard.models.empty')}</p>}
      {health && health.snapshots.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="model-health-title">
          <table class="data-table" data-testid="model-health">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.models.taken')}</th>
                <th scope="col">{t('dashboard.models.auc')}</th>
                <th scope="col">{t('dashboard.models.auc_recency')}</th>
                <th scope="col">{t('dashboard.models.purchases')}</th>
                <th scope="col">{t('dashboard.models.recall')}</th>
              </tr>
            </thead>
            <tbody>
              {health.snapshots.map((s) => (
                <tr key={s.taken_at} data-kind={s.kind}>
                  <th scope="row">
                    {formatDate(locale, s.taken_at)}
                    <span class="muted"> · {t(`dashboard.models.kind_${s.kind}`)} · {formatNumber(locale, s.customers)}</span>
                  </th>
                  {s.figures ? (
                    <>
                      <td data-testid="auc">{two(locale, s.figures.auc_p_purchase)}</td>
                      <td>{two(locale, s.figures.auc_recency)}</td>
                      <td>{t('dashboard.models.purchases_value', { predicted: formatNumber(locale, Math.round(s.figures.predicted_purchases)), actual: formatNumber(locale, s.figures.actual_purchases) })}</td>
                      <td>{two(locale, s.figures.recall_at_10)}</td>
                    </>
                  ) : (
                    <td colSpan={4} class="muted">{t('dashboard.models.waiting', { date: formatDate(locale, s.matures_at) })}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
