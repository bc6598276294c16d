import type { CustomerCard } from '../../../server/contract/profile.ts';
import { formatDate, formatMoney, formatNumber, formatPercent, pluralOf } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

export function TierAndPoints({ card }: { card: CustomerCard }) {
  const { t, locale } = useI18n();
  const n = (v: number) => formatNumber(locale, v);
  const next = card.tier.next;
  const earned = card.tier.points_earned_12m;
  return (
    <section class="panel" aria-labelledby="tier-title">
      <h3 id="tier-title">{t('card.tier')}</h3>
      <p class="big">{card.tier.name}</p>
      {next ? (
        <>
          <progress max={earned + next.points_needed} value={earned} aria-label={t('card.tier_progress', { points: n(next.points_needed), tier: next.name })} />
          <p>{t('card.tier_progress', { points: n(next.points_needed), tier: next.name })}</p>
        </>
      ) : (
        <p>{t('card.tier_top')}</p>
      )}
      <h3>{t('card.points')}</h3>
      <dl class="facts">
        <dt>{t('card.points_spendable')}</dt>
        <dd class="big" data-testid="points-spendable">{n(card.points.spendable)}</dd>
        <dt>{t('card.points_pending')}</dt>
        <dd>{n(card.points.pending)}</dd>
        <dt>{t('card.points_expiring')}</dt>
        <dd class={card.points.expiring_30d > 0 ? 'warn' : ''}>{n(card.points.expiring_30d)}</dd>
      </dl>
    </section>
  );
}

export function Scores({ card }: { card: CustomerCard }) {
  const { t, locale } = useI18n();
  const s = card.scores;
  return (
    <section class="panel" aria-labelledby="scores-title">
      <h3 id="scores-title">{t('card.scores')}</h3>
      {!s ? (
        <p class="muted">{t('card.not_scored')}</p>
      ) : (
        <>
          <dl class="facts">
            <dt>{t('card.churn_risk')}</dt>
            <dd class={`big ${s.churn_risk >= 0.5 ? 'warn' : ''}`} data-testid="churn-risk">
              {formatPercent(locale, s.churn_risk)}
            </dd>
            <dt>{t('card.clv', { days: formatNumber(locale, s.horizon_days) })}</dt>
            <dd class="big" data-testid="clv">{formatMoney(locale, card.currency, s.clv)}</dd>
          </dl>
          {s.reasons.length > 0 && (
            <>
              <h4>{t('card.reasons')}</h4>
              <ul class="reasons">
                {s.reasons.map((r) => (
                  <li key={r.code}>{r.text}</li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <dl class="facts">
        <dt>{t('card.spend')}</dt>
        <dd>{formatMoney(locale, card.currency, card.stats.spend_365d)}</dd>
        <dt>{t('card.last_purchase')}</dt>
        <dd>{formatDate(locale, card.stats.last_purchase_at)}</dd>
      </dl>
      <p class="muted">{t(`card.visits_${pluralOf(locale, card.stats.visits_365d)}`, { count: formatNumber(locale, card.stats.visits_365d) })}</p>
      {card.chain && (
        <p class="chain-line" data-testid="chain">
          {t('card.chain', {
            visits: formatNumber(locale, card.chain.visits),
            stores: formatNumber(locale, card.chain.stores.length),
            spend: formatMoney(locale, card.currency, card.chain.spend),
          })}
        </p>
      )}
    </section>
  );
}
