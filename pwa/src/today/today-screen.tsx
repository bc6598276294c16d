import { useEffect, useState } from 'preact/hooks';
import { type TodayList, todayListSchema } from '../../../server/contract/actions.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatMoney, formatTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

interface Props {
  api: ApiClient;
  onOpen: (id: string) => void;
}

function TodayItem({ item, currency, onOpen }: { item: TodayList['items'][number]; currency: string; onOpen: () => void }) {
  const { t, locale } = useI18n();
  const { customer, action } = item;
  return (
    <li class="today-item" data-customer-id={customer.id} data-action-id={action.id}>
      <div class="today-head">
        <h3>{customer.name ?? t('home.unnamed')}</h3>
        {customer.stage && <span class={`stage stage-${customer.stage}`}>{t(`stage.${customer.stage}`)}</span>}
        <span class="today-clv">
          <span class="muted">{t('today.clv')} </span>
          <strong>{customer.clv === null ? '—' : formatMoney(locale, currency, customer.clv)}</strong>
        </span>
      </div>
      <p class="today-channel">
        <span class="muted">{t('today.channel')} </span>
        <span class="chip">{t(`channel.${action.channel}`)}</span>
      </p>
      <p class="action-script">{action.script}</p>
      <p class="muted">{action.reason}</p>
      <button type="button" class="button button-primary" onClick={onOpen}>
        {t('today.open_card')}
      </button>
    </li>
  );
}

/** Today's list for associates: outreach the store may do today, highest value first (the API's order). */
export function TodayScreen({ api, onOpen }: Props) {
  const { t, locale } = useI18n();
  const [list, setList] = useState<TodayList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .call('GET', '/api/v1/today', todayListSchema)
      .then((l) => live && setList(l))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [api, attempt]);

  return (
    <main id="main" class="today">
      <div class="today-title">
        <h2>{t('today.title')}</h2>
        {list && <span class="muted">{t('today.as_of', { time: formatTime(locale, list.as_of) })}</span>}
      </div>
      {error !== null && <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {!list && error === null && (
        <p class="muted" role="status">
          {t('today.loading')}
        </p>
      )}
      {list && list.items.length === 0 && <p class="banner">{t('today.empty')}</p>}
      {list && list.items.length > 0 && (
        <ol class="today-list">
          {list.items.map((item) => (
            <TodayItem key={item.action.id} item={item} currency={list.currency} onOpen={() => onOpen(item.customer.id)} />
          ))}
        </ol>
      )}
    </main>
  );
}
