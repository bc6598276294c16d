import type { CustomerCard } from '../../../server/contract/profile.ts';
import { formatDate, formatList, formatMoney, formatNumber, formatPercent } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

const SHOWN_TRANSACTIONS = 8;

export function Recommendations({ card }: { card: CustomerCard }) {
  const { t, locale } = useI18n();
  return (
    <section class="panel" aria-labelledby="recs-title">
      <h3 id="recs-title">{t('card.recommendations')}</h3>
      {card.recommendations.length === 0 ? (
        <p class="muted">{t('card.no_recommendations')}</p>
      ) : (
        <ol class="recs">
          {card.recommendations.map((r) => (
            <li key={r.sku} data-sku={r.sku}>
              <span class="rec-name">{r.name ?? t('card.sku', { sku: r.sku })}</span>
              {r.category && <span class="muted rec-category"> · {r.category}</span>}
              <span class="muted"> · {r.reason}</span>
              <span class="visually-hidden"> {formatPercent(locale, r.score)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function Purchases({ card }: { card: CustomerCard }) {
  const { t, locale } = useI18n();
  const shown = card.transactions.slice(0, SHOWN_TRANSACTIONS);
  return (
    <section class="panel" aria-labelledby="purchases-title">
      <h3 id="purchases-title">{t('card.purchases')}</h3>
      {shown.length === 0 ? (
        <p class="muted">{t('card.no_purchases')}</p>
      ) : (
        <ul class="purchases">
          {shown.map((tx) => {
            const lines = tx.lines.filter((l) => !l.void);
            return (
              <li key={tx.id} class={tx.kind === 'return' ? 'is-return' : ''}>
                <span class="purchase-head">
                  <span>{formatDate(locale, tx.occurred_at)}</span>
                  <span class="chip">{tx.kind === 'return' ? t('card.return') : t('card.sale')}</span>
                  <strong>{formatMoney(locale, card.currency, tx.kind === 'return' ? -Math.abs(tx.total) : tx.total)}</strong>
                </span>
                <span class="muted">
                  {formatList(
                    locale,
                    lines.slice(0, 3).map((l) => l.name ?? (l.sku ? t('card.sku', { sku: l.sku }) : '?')),
                  )}
                  {lines.length > 3 ? ` · ${t('card.items_count', { count: formatNumber(locale, lines.length) })}` : ''}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
