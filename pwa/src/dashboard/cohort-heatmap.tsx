import type { Overview } from '../../../server/contract/analytics.ts';
import { formatMonth, formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { shareText } from './share-text.ts';

/**
 * Cell shading: the brand colour over white at an opacity that grows with retention. Dark text is
 * readable (4.5:1) up to opacity 0.6 and white text from 0.76, so below 50% the cells stay light with dark
 * text and from 50% they turn dark with white text; a 0% cell is still tinted, a month that was measured.
 */
function cellStyle(rate: number): { background: string; color: string } {
  const r = Math.max(0, Math.min(1, rate));
  const alpha = r < 0.5 ? 0.06 + (r / 0.5) * 0.52 : 0.78 + ((r - 0.5) / 0.5) * 0.22;
  return { background: `rgb(31 78 95 / ${alpha.toFixed(3)})`, color: r < 0.5 ? '#1d2a30' : '#ffffff' };
}

export function CohortHeatmap({ cohorts }: { cohorts: Overview['cohorts'] }) {
  const { t, locale } = useI18n();
  // Month 0 is left out: every cohort bought in it (100% by definition; the customers column is its size).
  const months = Math.max(0, ...cohorts.map((c) => c.retention.length - 1));
  const monthNumbers = Array.from({ length: months }, (_, i) => i + 1);
  return (
    <section class="panel dash-panel panel-wide" aria-labelledby="cohorts-title">
      <h3 id="cohorts-title">{t('dashboard.cohorts.title')}</h3>
      <p class="hint">{t('dashboard.cohorts.hint')}</p>
      {cohorts.length === 0 ? (
        <p class="empty">{t('dashboard.no_data')}</p>
      ) : (
        // Scrolls sideways on its own if a long period does not fit; focusable so a keyboard can scroll it.
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="cohorts-title">
          <table class="heatmap" data-testid="cohorts">
            <caption class="visually-hidden">{t('dashboard.cohorts.hint')}</caption>
            <thead>
              <tr>
                <th scope="col" rowSpan={2}>
                  {t('dashboard.cohorts.cohort')}
                </th>
                <th scope="col" rowSpan={2} class="num">
                  {t('dashboard.customers')}
                </th>
                <th scope="colgroup" colSpan={months} class="months-head">
                  {t('dashboard.cohorts.months_after')}
                </th>
              </tr>
              <tr>
                {/* Bare numbers keep 13 columns within a portrait tablet; a screen reader hears "month n". */}
                {monthNumbers.map((n) => (
                  <th scope="col" key={n}>
                    <span aria-hidden="true">{n}</span>
                    <span class="visually-hidden">{t('dashboard.cohorts.month', { n })}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cohorts.map((c) => (
                <tr key={c.cohort} data-cohort={c.cohort}>
                  <th scope="row">{formatMonth(locale, c.cohort)}</th>
                  <td class="num">{formatNumber(locale, c.customers)}</td>
                  {monthNumbers.map((n) => {
                    const rate = c.retention[n];
                    if (rate === undefined)
                      return (
                        <td key={n} class="heat heat-future">
                          <span class="visually-hidden">{t('dashboard.cohorts.not_yet')}</span>
                        </td>
                      );
                    return (
                      <td key={n} class="heat" data-month={n} style={rate === null ? undefined : cellStyle(rate)}>
                        {shareText(locale, rate)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
