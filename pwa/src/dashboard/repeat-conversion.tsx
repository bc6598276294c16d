import type { Overview } from '../../../server/contract/analytics.ts';
import { formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { Bar } from './bar.tsx';
import { shareText } from './share-text.ts';

const WINDOWS = [30, 60, 90] as const;

export function RepeatConversion({ conversion }: { conversion: Overview['repeat_conversion'] }) {
  const { t, locale } = useI18n();
  return (
    <section class="panel dash-panel" aria-labelledby="repeat-title">
      <h3 id="repeat-title">{t('dashboard.repeat.title')}</h3>
      <p class="hint">{t('dashboard.repeat.hint')}</p>
      <ul class="repeat-list">
        {WINDOWS.map((days) => {
          const c = conversion[`d${days}`] ?? { eligible: 0, converted: 0, rate: null };
          return (
            <li key={days} class="repeat" data-window={`d${days}`}>
              <span class="repeat-label">{t('dashboard.repeat.within', { days })}</span>
              <strong class="repeat-rate" data-testid="rate">
                {shareText(locale, c.rate)}
              </strong>
              <Bar ratio={c.rate} tone="ok" />
              <span class="muted repeat-counts" data-testid="counts">
                {c.eligible === 0
                  ? t('dashboard.repeat.too_early')
                  : t('dashboard.repeat.counts', { converted: formatNumber(locale, c.converted), eligible: formatNumber(locale, c.eligible) })}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
