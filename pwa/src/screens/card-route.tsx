import { useEffect, useState } from 'preact/hooks';
import { FailedScreen, LoadingScreen } from '../components/screen-states.tsx';
import { type CustomerCard, customerCardSchema } from '../../../server/contract/profile.ts';
import type { ApiClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.ts';
import { cacheCard, cachedCard } from '../offline/card-cache.ts';
import { isUnreachable } from '../offline/unreachable.ts';
import { CustomerCardView } from './customer-card.tsx';

interface Props {
  api: ApiClient;
  id: string;
  /** The card the lookup already answered, if it is this customer's. */
  preloaded: CustomerCard | null;
  onLoaded: (card: CustomerCard) => void;
}

interface Shown {
  card: CustomerCard;
  /** Set when this is the tablet's kept copy (ISO time the server answered it). */
  asOf: string | null;
}

export function CardRoute({ api, id, preloaded, onLoaded }: Props) {
  const { t } = useI18n();
  const [shown, setShown] = useState<Shown | null>(preloaded?.id === id ? { card: preloaded, asOf: null } : null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (shown?.card.id === id && attempt === 0) return undefined;
    let live = true;
    setError(null);
    api
      .call('GET', `/api/v1/customers/${encodeURIComponent(id)}`, customerCardSchema)
      .then((c) => {
        if (!live) return;
        setShown({ card: c, asOf: null });
        onLoaded(c);
      })
      .catch(async (e: unknown) => {
        // No server (offline, stopped, failing): the copy kept when the card was last opened, marked as such.
        const kept = isUnreachable(e) ? await cachedCard(id) : null;
        if (!live) return;
        if (kept) setShown({ card: kept.card, asOf: kept.fetched_at });
        else setError(e);
      });
    return () => {
      live = false;
    };
  }, [api, id, attempt]);

  const changed = (c: CustomerCard) => {
    setShown({ card: c, asOf: null });
    void cacheCard(c);
  };

  if (error !== null)
    return <FailedScreen error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (shown?.card.id !== id)
    return <LoadingScreen text={t('card.loading')} />;
  return <CustomerCardView card={shown.card} asOf={shown.asOf} onChanged={changed} />;
}
