import type { CustomerCard } from '../../../server/contract/profile.ts';
import { ActionList } from '../components/action-list.tsx';
import { Scores, TierAndPoints } from '../components/card-facts.tsx';
import { Purchases, Recommendations } from '../components/card-history.tsx';
import { ConsentEditor } from '../components/consent-editor.tsx';
import { formatDate, formatDateTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

interface Props {
  card: CustomerCard;
  /** When the card is the tablet's kept copy: when the server answered it (ISO). */
  asOf: string | null;
  onChanged: (card: CustomerCard) => void;
}

export function CustomerCardView({ card, asOf, onChanged }: Props) {
  const { t, locale } = useI18n();
  const stage = card.lifecycle?.stage;
  return (
    <main class="card" id="main" aria-labelledby="customer-name">
      {asOf && (
        <p class="banner banner-stale" role="status" data-testid="as-of">
          <strong>{t('offline.as_of', { time: formatDateTime(locale, asOf) })}</strong> {t('offline.as_of_hint')}
        </p>
      )}
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
          <ActionList actions={card.actions} customerId={card.id} />
        </section>
        <TierAndPoints card={card} />
        <Scores card={card} />
        <Recommendations card={card} />
        <Purchases card={card} />
        <ConsentEditor card={card} onChanged={onChanged} />
      </div>
    </main>
  );
}
