import { useRef, useState } from 'preact/hooks';
import { registerCustomerSchema } from '../../../server/contract/customer.ts';
import { errorDetailsSchemas } from '../../../server/contract/errors.ts';
import { OUTBOUND_CHANNELS, type OutboundChannel } from '../../../server/contract/enums.ts';
import type { CustomerCard } from '../../../server/contract/profile.ts';
import { lookupParam } from '../api/lookup-query.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { useI18n } from '../i18n/i18n.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { Refusal } from '../offline/offline-db.ts';
import { refusalError } from '../offline/refusal-error.ts';
import { useOutbox } from '../offline/use-outbox.ts';

type Field = 'name' | 'loyalty_card' | 'phone' | 'email' | 'birthday';

const FIELDS: readonly { field: Field; label: MessageKey; invalid: MessageKey; type: string; autocomplete: string }[] = [
  { field: 'name', label: 'register.name', invalid: 'register.invalid_name', type: 'text', autocomplete: 'name' },
  { field: 'loyalty_card', label: 'register.card', invalid: 'register.invalid_card', type: 'text', autocomplete: 'off' },
  { field: 'phone', label: 'register.phone', invalid: 'register.invalid_phone', type: 'tel', autocomplete: 'tel' },
  { field: 'email', label: 'register.email', invalid: 'register.invalid_email', type: 'email', autocomplete: 'email' },
  { field: 'birthday', label: 'register.birthday', invalid: 'register.invalid_birthday', type: 'date', autocomplete: 'bday' },
];

/** The identifier kinds the server names in `identifier_taken`, as this form's fields. */
const FIELD_OF_KIND: Record<string, Field> = { card: 'loyalty_card', phone: 'phone', email: 'email' };

const CONSENT_LABEL = { sms: 'register.consent_sms', email: 'register.consent_email', push: 'register.consent_push', call: 'register.consent_call' } as const;

type Problems = { fields: Partial<Record<Field, MessageKey>>; form: MessageKey | null; error: unknown };
const NO_PROBLEMS: Problems = { fields: {}, form: null, error: null };

function prefill(query: string): Record<Field, string> {
  const empty = { name: '', loyalty_card: '', phone: '', email: '', birthday: '' };
  if (!query.trim()) return empty;
  const { param, value } = lookupParam(query);
  return { ...empty, [param === 'card' ? 'loyalty_card' : param]: value };
}

/** What the server refused, put on the fields it concerns where it names them. */
function problemsOf(refusal: Refusal): Problems {
  const issues = errorDetailsSchemas.validation_failed.safeParse(refusal.details);
  if (refusal.code === 'validation_failed' && issues.success) {
    const fields: Problems['fields'] = {};
    for (const i of issues.data) {
      const spec = FIELDS.find((f) => f.field === i.path.split('.')[0]);
      if (spec) fields[spec.field] = spec.invalid;
    }
    if (Object.keys(fields).length > 0) return { ...NO_PROBLEMS, fields };
  }
  const taken = errorDetailsSchemas.identifier_taken.safeParse(refusal.details);
  if (refusal.code === 'identifier_taken' && taken.success) {
    const fields: Problems['fields'] = {};
    for (const k of taken.data) {
      const field = FIELD_OF_KIND[k.kind];
      if (field) fields[field] = 'register.taken';
    }
    return { ...NO_PROBLEMS, fields, form: 'register.taken_form' };
  }
  return { ...NO_PROBLEMS, error: refusalError(refusal) };
}

interface Props {
  /** What the clerk searched for and did not find: a card, phone or email for the new member. */
  query: string;
  onRegistered: (card: CustomerCard) => void;
  onCancel: () => void;
}

export function Register({ query, onRegistered, onCancel }: Props) {
  const { t } = useI18n();
  const outbox = useOutbox();
  const [values, setValues] = useState(() => prefill(query));
  const [consent, setConsent] = useState<Record<OutboundChannel, boolean>>({ sms: false, email: false, push: false, call: false });
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState(false);
  /** One id per registration: a retry of the same form sends the same id; an edit makes it another registration. */
  const clientId = useRef<string | null>(null);

  const edit = (field: Field, value: string) => {
    clientId.current = null;
    setValues((v) => ({ ...v, [field]: value }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    clientId.current ??= crypto.randomUUID();
    const given = (v: string) => v.trim() || undefined;
    const input = registerCustomerSchema.safeParse({
      name: given(values.name),
      loyalty_card: given(values.loyalty_card),
      phone: given(values.phone),
      email: given(values.email),
      birthday: given(values.birthday),
      // Every channel is answered: an unticked box is the customer's "no", not an unknown.
      consent,
      client_id: clientId.current,
    });
    if (!input.success) {
      const fields: Problems['fields'] = {};
      let form: MessageKey | null = null;
      for (const issue of input.error.issues) {
        const spec = FIELDS.find((f) => f.field === issue.path[0]);
        if (spec) fields[spec.field] = spec.invalid;
        else form = 'register.need_identifier';
      }
      return setProblems({ ...NO_PROBLEMS, fields, form });
    }
    setBusy(true);
    setProblems(NO_PROBLEMS);
    const delivery = await outbox.submit({ kind: 'register', client_id: clientId.current, body: input.data });
    setBusy(false);
    if (delivery.state === 'sent' && delivery.result.kind === 'card') onRegistered(delivery.result.card);
    else if (delivery.state === 'refused') setProblems(problemsOf(delivery.refusal));
    else if (delivery.state === 'queued') setQueued(true);
  };

  if (queued)
    return (
      <main id="main" class="register">
        <div class="panel">
          <p class="banner banner-waiting" role="status" data-testid="register-queued">
            {t('register.queued')}
          </p>
          <button type="button" class="button button-primary" onClick={onCancel}>
            {t('app.home')}
          </button>
        </div>
      </main>
    );

  const formProblem = problems.form ?? (Object.keys(problems.fields).length > 0 ? 'register.check_fields' : null);
  return (
    <main id="main" class="register">
      <form class="panel register-form" onSubmit={submit} aria-labelledby="register-title" noValidate>
        <h2 id="register-title">{t('register.title')}</h2>
        <p class="hint">{t('register.hint')}</p>
        <div class="register-fields">
          {FIELDS.map((f) => {
            const problem = problems.fields[f.field];
            return (
              <label key={f.field} class="field">
                <span>
                  {t(f.label)}
                  {f.field === 'name' || f.field === 'birthday' ? <small> {t('register.optional')}</small> : null}
                </span>
                <input
                  name={f.field}
                  type={f.type}
                  autocomplete={f.autocomplete}
                  value={values[f.field]}
                  aria-invalid={problem ? 'true' : undefined}
                  aria-describedby={problem ? `${f.field}-problem` : undefined}
                  onInput={(e) => edit(f.field, e.currentTarget.value)}
                />
                {problem && (
                  <small id={`${f.field}-problem`} class="field-problem">
                    {t(problem)}
                  </small>
                )}
              </label>
            );
          })}
        </div>
        <fieldset class="consent-choices">
          <legend>{t('register.consent_legend')}</legend>
          {OUTBOUND_CHANNELS.map((ch) => (
            <label key={ch} class="check">
              <input
                type="checkbox"
                name={`consent-${ch}`}
                checked={consent[ch]}
                onChange={(e) => {
                  clientId.current = null;
                  const checked = e.currentTarget.checked;
                  setConsent((c) => ({ ...c, [ch]: checked }));
                }}
              />
              <span class="check-label">{t(CONSENT_LABEL[ch])}</span>
            </label>
          ))}
        </fieldset>
        {formProblem && (
          <p class="banner banner-error" role="alert">
            {t(formProblem)}
          </p>
        )}
        {problems.error !== null && <ErrorBanner error={problems.error} />}
        <div class="form-buttons">
          <button type="button" class="button" onClick={onCancel}>
            {t('register.cancel')}
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t('register.busy') : t('register.submit')}
          </button>
        </div>
      </form>
    </main>
  );
}
