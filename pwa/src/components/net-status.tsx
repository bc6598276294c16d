import { formatNumber, pluralOf } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { useOutbox } from '../offline/use-outbox.ts';

/** In the header: offline or not, and how many changes wait to be sent; read out politely when it changes. */
export function NetStatus() {
  const { t, locale } = useI18n();
  const { items, offline } = useOutbox();
  const waiting = items.filter((i) => !i.failure).length;
  return (
    <p class="net-status" role="status" aria-live="polite">
      {offline && <span class="net-offline" data-testid="offline">{t('offline.offline')}</span>}
      {waiting > 0 && (
        <span class="net-waiting" data-testid="waiting" data-count={waiting}>
          {t(`offline.waiting_${pluralOf(locale, waiting)}`, { count: formatNumber(locale, waiting) })}
        </span>
      )}
    </p>
  );
}
