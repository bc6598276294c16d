import { useState } from 'preact/hooks';
import { errorDetailsSchemas } from '../../../server/contract/errors.ts';
import { type PhoneCandidates, phoneCandidatesSchema } from '../../../server/contract/customer.ts';
import { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatDate, formatTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

interface Props {
  api: ApiClient;
  onOpen: (id: string) => void;
}

type Outcome =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'found'; digits: string; result: PhoneCandidates }
  | { kind: 'rate_limited'; until: string; seconds: number }
  | { kind: 'error'; error: unknown };

/** When the customer has no card with them: the last four digits of their phone, then they say which one is theirs. */
export function PhoneLast4Search({ api, onOpen }: Props) {
  const { t, locale } = useI18n();
  const [digits, setDigits] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });

  const search = async () => {
    if (!/^\d{4}$/.test(digits)) return;
    setOutcome({ kind: 'busy' });
    try {
      const result = await api.call('GET', `/api/v1/customers/search?${new URLSearchParams({ phone_last4: digits }).toString()}`, phoneCandidatesSchema);
      setOutcome({ kind: 'found', digits, result });
    } catch (error) {
      const limited = error instanceof ApiError && error.code === 'rate_limited' ? errorDetailsSchemas.rate_limited.safeParse(error.details) : null;
      if (limited?.success) {
        const seconds = limited.data.retry_after_s;
        setOutcome({ kind: 'rate_limited', seconds, until: new Date(Date.now() + seconds * 1000).toISOString() });
      } else setOutcome({ kind: 'error', error });
    }
  };

  return (
    <section class="phone-search" aria-labelledby="phone-title">
      <h3 id="phone-title">{t('phone.title')}</h3>
      <form
        class="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label class="field">
          <span>{t('phone.label')}</span>
          <input
            name="phone_last4"
            class="digits-4"
            inputMode="numeric"
            pattern="\d{4}"
            maxLength={4}
            autocomplete="off"
            required
            value={digits}
            onInput={(e) => setDigits(e.currentTarget.value.replace(/\D/g, '').slice(0, 4))}
          />
        </label>
        <button type="submit" class="button" disabled={outcome.kind === 'busy' || digits.length !== 4}>
          {outcome.kind === 'busy' ? t('home.searching') : t('phone.search')}
        </button>
      </form>
      <div aria-live="polite">
        {outcome.kind === 'found' && outcome.result.candidates.length === 0 && (
          <p class="banner" role="status">
            {t('phone.none', { digits: outcome.digits })}
          </p>
        )}
        {outcome.kind === 'found' && outcome.result.candidates.length > 0 && (
          <>
            <p class="muted" role="status">
              {t('phone.ask_which', { count: outcome.result.candidates.length })}
            </p>
            <ul class="recent-list phone-candidates">
              {outcome.result.candidates.map((c) => (
                <li key={c.id}>
                  <button type="button" class="recent-item" data-customer-id={c.id} onClick={() => onOpen(c.id)}>
                    <span class="recent-name">{c.name ?? t('home.unnamed')}</span>
                    <span class="phone-masked">{c.phone}</span>
                    <span class="muted">{c.last_purchase_at ? t('phone.last_purchase', { date: formatDate(locale, c.last_purchase_at) }) : t('phone.no_purchase')}</span>
                  </button>
                </li>
              ))}
            </ul>
            {outcome.result.truncated && <p class="muted">{t('phone.truncated')}</p>}
          </>
        )}
        {outcome.kind === 'rate_limited' && (
          <p class="banner banner-error" role="alert">
            {t('phone.rate_limited', { time: formatTime(locale, outcome.until), seconds: outcome.seconds })}
          </p>
        )}
        {outcome.kind === 'error' && <ErrorBanner error={outcome.error} onRetry={() => void search()} />}
      </div>
    </section>
  );
}
