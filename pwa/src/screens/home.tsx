import { useCallback, useState } from 'preact/hooks';
import { type CustomerCard, customerCardSchema } from '../../../server/contract/profile.ts';
import { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import { lookupPath } from '../api/lookup-query.ts';
import { ScanWithCamera } from '../camera/scan-with-camera.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { OutboxRefusals } from '../components/outbox-refusals.tsx';
import { formatDateTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { cachedLookup, rememberLookup } from '../offline/card-cache.ts';
import { isUnreachable } from '../offline/unreachable.ts';
import { PhoneLast4Search } from '../phone/phone-last4-search.tsx';
import { recentCustomers } from '../recent-customers.ts';
import { useScanner } from '../use-scanner.ts';

interface Props {
  api: ApiClient;
  onFound: (card: CustomerCard) => void;
  onOpen: (id: string) => void;
  /** The registration form, filled in with what was searched for. */
  onRegister: (query: string) => void;
}

type Outcome = { kind: 'idle' } | { kind: 'busy' } | { kind: 'not_found'; query: string } | { kind: 'invalid'; query: string; message: string } | { kind: 'error'; query: string; error: unknown };

export function Home({ api, onFound, onOpen, onRegister }: Props) {
  const { t, locale } = useI18n();
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });

  const find = useCallback(
    async (raw: string) => {
      if (!raw.trim()) return;
      setOutcome({ kind: 'busy' });
      const path = lookupPath(raw);
      try {
        const card = await api.call('GET', path, customerCardSchema);
        void rememberLookup(path, card.id);
        onFound(card);
      } catch (error) {
        // Without the server, a card found by this same lookup before opens from the tablet's copy.
        const kept = isUnreachable(error) ? await cachedLookup(path) : null;
        if (kept) onOpen(kept);
        else if (error instanceof ApiError && error.code === 'not_found') setOutcome({ kind: 'not_found', query: raw.trim() });
        else if (error instanceof ApiError && error.code === 'validation_failed') setOutcome({ kind: 'invalid', query: raw.trim(), message: error.message });
        else setOutcome({ kind: 'error', query: raw.trim(), error });
      }
    },
    [api, onFound, onOpen],
  );
  useScanner(find);

  const recent = recentCustomers();
  return (
    <main class="home" id="main">
      <OutboxRefusals />
      <section class="panel search" aria-labelledby="find-title">
        <h2 id="find-title">{t('home.title')}</h2>
        <div class="scan-row">
          <p class="hint">{t('home.scan_hint')}</p>
          <ScanWithCamera onValue={find} />
        </div>
        <form
          class="search-row"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            void find(query);
          }}
        >
          <label class="field grow">
            <span>{t('home.search_label')}</span>
            <input name="query" type="search" inputMode="search" autocomplete="off" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button button-primary" disabled={outcome.kind === 'busy'}>
            {outcome.kind === 'busy' ? t('home.searching') : t('home.search')}
          </button>
        </form>
        <div aria-live="polite">
          {outcome.kind === 'not_found' && (
            <div class="banner" role="status">
              <p>{t('home.not_found', { query: outcome.query })}</p>
              <button type="button" class="button button-primary" onClick={() => onRegister(outcome.query)}>
                {t('home.register')}
              </button>
            </div>
          )}
          {outcome.kind === 'invalid' && (
            <p class="banner banner-error" role="alert">
              {t('home.invalid', { query: outcome.query, message: outcome.message })}
            </p>
          )}
          {outcome.kind === 'error' && <ErrorBanner error={outcome.error} onRetry={() => void find(query)} />}
          {outcome.kind === 'error' && isUnreachable(outcome.error) && (
            // Offline the tablet cannot know whether they are registered: a duplicate comes back as a refusal.
            <button type="button" class="button" onClick={() => onRegister(outcome.query)}>
              {t('home.register')}
            </button>
          )}
        </div>
        <PhoneLast4Search api={api} onOpen={onOpen} />
      </section>
      <section class="panel" aria-labelledby="recent-title">
        <h2 id="recent-title">{t('home.recent')}</h2>
        {recent.length === 0 ? (
          <p class="muted">{t('home.recent_empty')}</p>
        ) : (
          <ul class="recent-list">
            {recent.map((c) => (
              <li key={c.id}>
                <button type="button" class="recent-item" onClick={() => onOpen(c.id)}>
                  <span class="recent-name">{c.name ?? t('home.unnamed')}</span>
                  <span class="muted">{c.label}</span>
                  <span class="muted">{formatDateTime(locale, c.seen_at)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
