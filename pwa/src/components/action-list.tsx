import { useState } from 'preact/hooks';
import { type ActionView, outcomeResultSchema } from '../../../server/contract/actions.ts';
import type { ActionOutcome } from '../../../server/contract/enums.ts';
import { ACTION_OUTCOMES } from '../../../server/contract/enums.ts';
import type { ApiClient } from '../api/client.ts';
import { formatList } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { ErrorBanner } from './error-banner.tsx';

const OUTCOME_KEY = { done: 'card.outcome_done', declined: 'card.outcome_declined', not_now: 'card.outcome_not_now' } as const;

function ActionItem({ api, action }: { api: ApiClient; action: ActionView }) {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState(action.status);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const record = async (outcome: ActionOutcome) => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.call('POST', `/api/v1/actions/${encodeURIComponent(action.id)}/outcome`, outcomeResultSchema, { outcome });
      setStatus(result.status);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const recorded = status === 'done' || status === 'declined' || status === 'not_now' ? status : null;
  return (
    <li class="action" data-action-id={action.id} data-status={status}>
      <p class="action-script">{action.script}</p>
      <p class="muted">{action.reason}</p>
      {action.offer && (
        <p>
          <strong>{t('card.offer')}:</strong> {action.offer.description} <code>{action.offer.code}</code>
        </p>
      )}
      {action.items.length > 0 && (
        <p>
          <strong>{t('card.items')}:</strong> {formatList(locale, action.items.map((i) => i.name ?? t('card.sku', { sku: i.sku })))}
        </p>
      )}
      {action.channel !== 'in_store' && <p class="chip">{t(`channel.${action.channel}`)}</p>}
      {recorded ? (
        <p class="banner banner-ok" role="status">
          {t('card.outcome_recorded', { outcome: t(OUTCOME_KEY[recorded]) })}
        </p>
      ) : (
        <div class="outcomes">
          {ACTION_OUTCOMES.map((o) => (
            <button key={o} type="button" class={`button ${o === 'done' ? 'button-primary' : ''}`} data-outcome={o} disabled={busy} onClick={() => void record(o)}>
              {t(OUTCOME_KEY[o])}
            </button>
          ))}
        </div>
      )}
      {error !== null && <ErrorBanner error={error} />}
    </li>
  );
}

export function ActionList({ api, actions }: { api: ApiClient; actions: readonly ActionView[] }) {
  const { t } = useI18n();
  if (actions.length === 0) return <p class="muted">{t('card.no_actions')}</p>;
  return (
    <ol class="action-list">
      {actions.map((a) => (
        <ActionItem key={a.id} api={api} action={a} />
      ))}
    </ol>
  );
}
