import type { CustomerCard } from '../../../server/contract/profile.ts';
import type { ApiClient } from '../api/client.ts';
import { ActionList } from '../components/action-list.tsx';
import { Consent, Scores, TierAndPoints } from '../components/card-facts.tsx';
import { Purchases, Recommendations } from '../components/card-history.tsx';
import { formatDate } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

export function CustomerCardView({ api, card }: { api: ApiClient; card: CustomerCard }) {
  const { t, locale } = useI18n();
  const stage = card.lifecycle?.stage;
  return (
    <main class="card" id="main" aria-labelledby="customer-name">
      <div class="card-head">
        <h2 id="customer-name">{card.name ?? t('home.unnamed')}</h2>
        {stage && (
          <p class={`stage stage-${stage}`} data-testid="stage" data-stage={stage}>
            <span class="visually-hidden">{t('card.stage')}: </span>
            {t(`stage.${stage}`)}
            {card.lifecycle?.since && <span class="stage-since"> · {t('card.stage_since', { date: formatDate(locale, card.lifecycle.since) })}</span>}
          </p>
        )}
      </div>
      <div class="card-grid">
        <section class="panel panel-wide" aria-labelledby="actions-title">
          <h3 id="actions-title">{t('card.actions')}</h3>
          <ActionList api={api} actions={card.actions} />
        </section>
        <TierAndPoints card={card} />
        <Scores card={card} />
        <Recommendations card={card} />
        <Purchases card={card} />
        <Consent card={card} />
      </div>
    </main>
  );
}
