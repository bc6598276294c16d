import { useState } from 'preact/hooks';
import { OUTBOUND_CHANNELS, type OutboundChannel } from '../../../server/contract/enums.ts';
import type { CustomerCard } from '../../../server/contract/profile.ts';
import { useI18n } from '../i18n/i18n.ts';
import { refusalError } from '../offline/refusal-error.ts';
import { useOutbox } from '../offline/use-outbox.ts';
import { ErrorBanner } from './error-banner.tsx';

/**
 * Consent per channel, one switch each, saved at once (PATCH with a client id); a change made offline shows
 * as waiting until it is sent. Also the customer's identifiers, masked.
 */
export function ConsentEditor({ card, onChanged }: { card: CustomerCard; onChanged: (card: CustomerCard) => void }) {
  const { t } = useI18n();
  const outbox = useOutbox();
  /** The change being sent: shown as made while its answer is awaited. */
  const [busy, setBusy] = useState<{ channel: OutboundChannel; value: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);

  /** The latest waiting change per channel wins over what the card says. */
  const waiting = new Map<OutboundChannel, boolean>();
  for (const i of outbox.items) {
    if (i.kind !== 'consent' || i.customer_id !== card.id || i.failure) continue;
    for (const ch of OUTBOUND_CHANNELS) {
      const v = i.body.consent?.[ch];
      if (v !== undefined) waiting.set(ch, v);
    }
  }

  const change = async (channel: OutboundChannel, value: boolean) => {
    setBusy({ channel, value });
    setError(null);
    const client_id = crypto.randomUUID();
    const delivery = await outbox.submit({ kind: 'consent', client_id, customer_id: card.id, body: { consent: { [channel]: value }, client_id } });
    setBusy(null);
    if (delivery.state === 'refused') setError(refusalError(delivery.refusal));
    else if (delivery.state === 'sent' && delivery.result.kind === 'card') onChanged(delivery.result.card);
  };

  return (
    <section class="panel" aria-labelledby="consent-title">
      <h3 id="consent-title">{t('card.consent')}</h3>
      <p class="hint">{t('consent.hint')}</p>
      <ul class="plain consent-list">
        {OUTBOUND_CHANNELS.map((ch) => {
          const pending = waiting.get(ch);
          const value = busy?.channel === ch ? busy.value : (pending ?? card.consent[ch]);
          return (
            <li key={ch}>
              <label class="check" data-channel={ch}>
                <input type="checkbox" name={`consent-${ch}`} checked={value === true} disabled={busy !== null} onChange={(e) => void change(ch, e.currentTarget.checked)} />
                <span class="check-label">{t(`channel.${ch}`)}</span>
                <span class={value ? 'ok' : 'muted'}>{value === null ? t('card.consent_unknown') : value ? t('card.consent_yes') : t('card.consent_no')}</span>
                {pending !== undefined && <span class="chip chip-waiting">{t('consent.waiting')}</span>}
              </label>
            </li>
          );
        })}
      </ul>
      {error !== null && <ErrorBanner error={error} />}
      <h3>{t('card.identifiers')}</h3>
      <ul class="plain">
        {card.identifiers.map((i) => (
          <li key={`${i.kind}${i.masked}`}>{i.masked}</li>
        ))}
      </ul>
    </section>
  );
}
