import { useState } from 'preact/hooks';
import { type AtRiskList, atRiskListSchema } from '../../../server/contract/analytics.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatDate, formatMoney, formatNumber, pluralOf } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { AT_RISK_PAGE, atRiskPath } from './use-dashboard-data.ts';
import { shareText } from './share-text.ts';

/** Churn risk from which a customer is flagged in the list. */
const HIGH_RISK = 0.6;

/** At-risk customers who agreed to a call, the most valuable first; the phone is a tel: link for the manager to call. */
export function AtRiskCallList({ api, first }: { api: ApiClient; first: AtRiskList }) {
  const { t, locale } = useI18n();
  const [customers, setCustomers] = useState(first.customers);
  const [cursor, setCursor] = useState(first.next_cursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const more = async () => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.call('GET', atRiskPath(cursor), atRiskListSchema);
      setCustomers((shown) => [...shown, ...page.customers]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel dash-panel panel-wide" aria-labelledby="at-risk-title">
      <div class="panel-head">
        <h3 id="at-risk-title">{t('dashboard.at_risk.title')}</h3>
        <span class={first.total > 0 ? 'count-chip count-chip-warn' : 'count-chip'} data-testid="at-risk-total">
          {t(`dashboard.at_risk.count_${pluralOf(locale, first.total)}`, { count: formatNumber(locale, first.total) })}
        </span>
      </div>
      <p class="hint">{t('dashboard.at_risk.hint')}</p>
      {customers.length === 0 ? (
        <p class="empty">{t('dashboard.at_risk.empty')}</p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="at-risk-title">
          <table class="data-table call-list" data-testid="at-risk">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.at_risk.name')}</th>
                <th scope="col">{t('dashboard.at_risk.phone')}</th>
                <th scope="col" class="num">{t('dashboard.at_risk.clv')}</th>
                <th scope="col" class="num">{t('dashboard.at_risk.churn')}</th>
                <th scope="col">{t('dashboard.at_risk.last_purchase')}</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => (
                <tr key={c.id} data-customer-id={c.id}>
                  <th scope="row">{c.name ?? t('home.unnamed')}</th>
                  <td>
                    <a class="tel" href={`tel:${c.phone}`}>
                      {c.phone}
                    </a>
                  </td>
                  <td class="num">{c.clv === null ? t('card.not_scored') : formatMoney(locale, first.currency, c.clv)}</td>
                  <td class="num">
                    {c.churn_risk === null ? '—' : <span class={c.churn_risk >= HIGH_RISK ? 'risk risk-high' : 'risk'}>{shareText(locale, c.churn_risk)}</span>}
                  </td>
                  <td>
                    {formatDate(locale, c.last_purchase_at)}
                    {c.days_since_purchase !== null && (
                      <small class="muted days-ago">{t('dashboard.at_risk.days_ago', { days: formatNumber(locale, c.days_since_purchase) })}</small>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error !== null && <ErrorBanner error={error} onRetry={() => void more()} />}
      {cursor && (
        <button type="button" class="button more" disabled={busy} onClick={() => void more()}>
          {t('dashboard.at_risk.more', { count: formatNumber(locale, Math.min(AT_RISK_PAGE, first.total - customers.length)) })}
        </button>
      )}
    </section>
  );
}
