import type { PresenceEvent } from '../../../server/contract/presence.ts';
import { formatTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import type { TillPresence } from './use-till-presence.ts';

interface Props {
  presence: TillPresence;
  onOpen: (customerId: string) => void;
}

function AtTill({ event, onOpen, onDismiss }: { event: PresenceEvent; onOpen: () => void; onDismiss: () => void }) {
  const { t, locale } = useI18n();
  const name = event.name ?? t('till.unnamed');
  return (
    <li class="till-banner" data-customer-id={event.customer_id}>
      <p class="till-text">
        <strong>{t('till.at_till', { name, terminal: event.terminal_id })}</strong>
        {event.stage && <span class={`stage stage-${event.stage}`}>{t(`stage.${event.stage}`)}</span>}
        <span class="muted">{formatTime(locale, event.at)}</span>
      </p>
      <button type="button" class="button button-primary" onClick={onOpen}>
        {t('till.open_card')}
      </button>
      <button type="button" class="button till-dismiss" aria-label={t('till.dismiss', { name })} onClick={onDismiss}>
        ×
      </button>
    </li>
  );
}

/** "Now at the till" on every screen: who the terminals have just identified, newest first. */
export function TillBanner({ presence, onOpen }: Props) {
  const { t } = useI18n();
  return (
    <section class="till-banners" aria-label={t('till.region')} data-stream={presence.state}>
      {/* The live region is always there, so additions are announced; it is a status only while it says something. */}
      <div role={presence.atTill.length > 0 || presence.reconnecting ? 'status' : undefined} aria-live="polite">
        {presence.atTill.length > 0 && (
          <ul class="till-list">
            {presence.atTill.map((e) => (
              <AtTill
                key={e.customer_id}
                event={e}
                onOpen={() => {
                  presence.dismiss(e.customer_id);
                  onOpen(e.customer_id);
                }}
                onDismiss={() => presence.dismiss(e.customer_id)}
              />
            ))}
          </ul>
        )}
        {presence.reconnecting && <p class="till-reconnecting">{t('till.reconnecting')}</p>}
      </div>
    </section>
  );
}
