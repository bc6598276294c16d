import { formatDateTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import type { StoredOutboxItem } from '../offline/offline-db.ts';
import { refusalError } from '../offline/refusal-error.ts';
import { useOutbox } from '../offline/use-outbox.ts';
import { errorText } from './error-text.ts';

const KIND_KEY = { outcome: 'offline.kind_outcome', consent: 'offline.kind_consent', register: 'offline.kind_register' } as const;

/** A queued change the server refused for good: it stays on the tablet until the clerk has read why. */
export function RefusalBanner({ item }: { item: StoredOutboxItem }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const { dismiss } = useOutbox();
  if (!item.failure) return null;
  return (
    <div class="banner banner-error" role="alert" data-testid="refusal">
      <p>
        <strong>{t(KIND_KEY[item.kind])}</strong> · {t('offline.refused_meta', { time: formatDateTime(locale, item.queued_at), name: item.by.staff_name })}
      </p>
      <p>{errorText(refusalError(item.failure), i18n)}</p>
      <button type="button" class="button" onClick={() => void dismiss(item.seq)}>
        {t('offline.dismiss')}
      </button>
    </div>
  );
}

/** Every refused change, for the home screen: none is ever dropped without the clerk seeing it. */
export function OutboxRefusals() {
  const { t } = useI18n();
  const refused = useOutbox().items.filter((i) => i.failure);
  if (refused.length === 0) return null;
  return (
    <section class="panel panel-wide" aria-labelledby="refused-title">
      <h2 id="refused-title">{t('offline.refused_title')}</h2>
      {refused.map((item) => (
        <RefusalBanner key={item.seq} item={item} />
      ))}
    </section>
  );
}
