import { useEffect, useState } from 'preact/hooks';
import type { ActionView } from '../../../server/contract/actions.ts';
import type { ActionOutcome, ActionStatus } from '../../../server/contract/enums.ts';
import { ACTION_OUTCOMES } from '../../../server/contract/enums.ts';
import { formatList } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import { saveSurveyDraft, surveyDraft } from '../offline/drafts.ts';
import { refusalError } from '../offline/refusal-error.ts';
import { useOutbox } from '../offline/use-outbox.ts';
import { ErrorBanner } from './error-banner.tsx';
import { RefusalBanner } from './outbox-refusals.tsx';

const OUTCOME_KEY = { done: 'card.outcome_done', declined: 'card.outcome_declined', not_now: 'card.outcome_not_now' } as const;

/** The catalog's survey actions (server/actions/action-catalog.ts), or any whose reason says it asks one. */
const SURVEY_TYPES = new Set(['first_purchase_thanks', 'win_back']);
const asksSurvey = (a: ActionView) => SURVEY_TYPES.has(a.type) || /survey/i.test(a.reason);

const isOutcome = (s: ActionStatus): s is ActionOutcome => (ACTION_OUTCOMES as readonly string[]).includes(s);

function ActionItem({ action, customerId }: { action: ActionView; customerId: string }) {
  const { t, locale } = useI18n();
  const outbox = useOutbox();
  const [status, setStatus] = useState(action.status);
  const [answer, setAnswer] = useState(() => surveyDraft(action.id));
  /** The outcome queued for this action, as last seen in the outbox: once it has left, it was recorded. */
  const [queued, setQueued] = useState<ActionOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inOutbox = outbox.items.find((i) => i.kind === 'outcome' && i.action_id === action.id);
  const waiting = inOutbox?.kind === 'outcome' && !inOutbox.failure ? inOutbox.body.outcome : null;
  useEffect(() => {
    if (waiting) setQueued(waiting);
  }, [waiting]);

  const record = async (outcome: ActionOutcome) => {
    setBusy(true);
    setError(null);
    const survey_answer = answer.trim() || undefined;
    const delivery = await outbox.submit({ kind: 'outcome', client_id: crypto.randomUUID(), action_id: action.id, customer_id: customerId, body: { outcome, survey_answer } });
    setBusy(false);
    if (delivery.state === 'refused') return setError(refusalError(delivery.refusal));
    // Sent or safely queued: the typed answer travels with the outcome now.
    saveSurveyDraft(action.id, '');
    if (delivery.state === 'sent' && delivery.result.kind === 'outcome') setStatus(delivery.result.outcome.status);
    else setQueued(outcome);
  };

  const recorded = isOutcome(status) ? status : queued !== null && !inOutbox ? queued : null;
  return (
    <li class="action" data-action-id={action.id} data-status={recorded ?? (waiting ? 'waiting' : status)}>
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
      ) : waiting ? (
        <p class="banner banner-waiting" role="status" data-testid="outcome-waiting">
          {t('offline.outcome_waiting', { outcome: t(OUTCOME_KEY[waiting]) })}
        </p>
      ) : (
        <>
          {asksSurvey(action) && (
            <label class="field survey-field">
              <span>{t('card.survey_answer')}</span>
              <textarea
                name={`survey-${action.id}`}
                rows={2}
                maxLength={500}
                value={answer}
                onInput={(e) => {
                  setAnswer(e.currentTarget.value);
                  saveSurveyDraft(action.id, e.currentTarget.value);
                }}
              />
              <small>{t('card.survey_hint')}</small>
            </label>
          )}
          <div class="outcomes">
            {ACTION_OUTCOMES.map((o) => (
              <button key={o} type="button" class={`button ${o === 'done' ? 'button-primary' : ''}`} data-outcome={o} disabled={busy} onClick={() => void record(o)}>
                {t(OUTCOME_KEY[o])}
              </button>
            ))}
          </div>
        </>
      )}
      {error !== null && <ErrorBanner error={error} />}
      {inOutbox?.failure && <RefusalBanner item={inOutbox} />}
    </li>
  );
}

export function ActionList({ actions, customerId }: { actions: readonly ActionView[]; customerId: string }) {
  const { t } = useI18n();
  if (actions.length === 0) return <p class="muted">{t('card.no_actions')}</p>;
  return (
    <ol class="action-list">
      {actions.map((a) => (
        <ActionItem key={a.id} action={a} customerId={customerId} />
      ))}
    </ol>
  );
}
