import { useEffect, useState } from 'preact/hooks';
import { type CustomerCard, customerCardSchema } from '../../../server/contract/profile.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { CustomerCardView } from './customer-card.tsx';

interface Props {
  api: ApiClient;
  id: string;
  /** The card the lookup already answered, if it is this customer's. */
  preloaded: CustomerCard | null;
  onLoaded: (card: CustomerCard) => void;
}

export function CardRoute({ api, id, preloaded, onLoaded }: Props) {
  const { t } = useI18n();
  const [card, setCard] = useState<CustomerCard | null>(preloaded?.id === id ? preloaded : null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (card?.id === id) return undefined;
    let live = true;
    setError(null);
    api
      .call('GET', `/api/v1/customers/${encodeURIComponent(id)}`, customerCardSchema)
      .then((c) => {
        if (!live) return;
        setCard(c);
        onLoaded(c);
      })
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [api, id, attempt]);

  if (error !== null)
    return (
      <main id="main">
        <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      </main>
    );
  if (card?.id !== id)
    return (
      <main id="main">
        <p class="muted" role="status">
          {t('card.loading')}
        </p>
      </main>
    );
  return <CustomerCardView api={api} card={card} />;
}
