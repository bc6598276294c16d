import { formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { Bar } from './bar.tsx';
import { shareText } from './share-text.ts';

export interface ShareRow {
  key: string;
  label: string;
  customers: number;
  revenueShare: number | null;
  /** Extra text under the revenue share (e.g. the amount). */
  revenueNote?: string;
}

/**
 * Groups of customers as two bar columns: how many customers (and their share of all), and their share of
 * revenue. A real table, so a screen reader reads each group's figures with their headings.
 */
export function ShareTable({ rows, caption, testId }: { rows: ShareRow[]; caption: string; testId: string }) {
  const { t, locale } = useI18n();
  const all = rows.reduce((s, r) => s + r.customers, 0);
  return (
    <table class="share-table" data-testid={testId}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <td />
          <th scope="col">
            <span class="swatch swatch-brand" aria-hidden="true" />
            {t('dashboard.customers')}
          </th>
          <th scope="col">
            <span class="swatch swatch-accent" aria-hidden="true" />
            {t('dashboard.revenue_share')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <th scope="row">{r.label}</th>
            <td>
              <Bar ratio={all === 0 ? 0 : r.customers / all} tone="brand" />
              <span class="bar-figure">
                <strong data-testid="customers">{formatNumber(locale, r.customers)}</strong>
                <span class="muted"> · {shareText(locale, all === 0 ? null : r.customers / all)}</span>
              </span>
            </td>
            <td>
              <Bar ratio={r.revenueShare} tone="accent" />
              <span class="bar-figure">
                <strong data-testid="revenue-share">{shareText(locale, r.revenueShare, 1)}</strong>
                {r.revenueNote && <small class="muted bar-note">{r.revenueNote}</small>}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
