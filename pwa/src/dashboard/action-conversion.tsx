import type { Overview } from '../../../server/contract/analytics.ts';
import { formatMoney, formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { Bar } from './bar.tsx';
import { shareText } from './share-text.ts';

const TYPE_NAMES: Record<string, MessageKey> = {
  return_follow_up: 'action_type.return_follow_up',
  welcome: 'action_type.welcome',
  first_purchase_thanks: 'action_type.first_purchase_thanks',
  favourite_news: 'action_type.favourite_news',
  win_back: 'action_type.win_back',
  points_expiring: 'action_type.points_expiring',
  points_expiring_sms: 'action_type.points_expiring_sms',
  birthday: 'action_type.birthday',
  membership_anniversary: 'action_type.membership_anniversary',
  tier_upgrade: 'action_type.tier_upgrade',
  top_spender_gift: 'action_type.top_spender_gift',
  holiday_news: 'action_type.holiday_news',
};

export function ActionConversion({ actions, currency }: { actions: Overview['actions']; currency: string }) {
  const { t, locale } = useI18n();
  // The types a store uses most come first.
  const rows = [...actions].sort((a, b) => b.shown - a.shown || a.type.localeCompare(b.type));
  return (
    <section class="panel dash-panel panel-wide" aria-labelledby="actions-title">
      <h3 id="actions-title">{t('dashboard.actions.title')}</h3>
      <p class="hint">{t('dashboard.actions.hint')}</p>
      {rows.length === 0 ? (
        <p class="empty">{t('dashboard.actions.empty')}</p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="actions-title">
          <table class="data-table" data-testid="actions">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.actions.type')}</th>
                <th scope="col" class="num">{t('dashboard.actions.shown')}</th>
                <th scope="col" class="num">{t('dashboard.actions.done')}</th>
                <th scope="col" class="num">{t('dashboard.actions.converted')}</th>
                <th scope="col" class="rate-col">{t('dashboard.actions.rate')}</th>
                <th scope="col" class="num">{t('dashboard.actions.revenue')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => {
                const name = TYPE_NAMES[a.type];
                return (
                  <tr key={a.type} data-type={a.type}>
                    <th scope="row">{name ? t(name) : a.type}</th>
                    <td class="num">{formatNumber(locale, a.shown)}</td>
                    <td class="num">
                      {formatNumber(locale, a.done)}
                      {a.declined > 0 && <small class="muted"> ({t('dashboard.actions.declined')} {formatNumber(locale, a.declined)})</small>}
                    </td>
                    <td class="num">{formatNumber(locale, a.converted)}</td>
                    <td class="rate-col">
                      <div class="rate-cell">
                        <Bar ratio={a.conversion_rate} tone="ok" />
                        <strong data-testid="rate">{shareText(locale, a.conversion_rate)}</strong>
                      </div>
                    </td>
                    <td class="num">{formatMoney(locale, currency, a.revenue)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
