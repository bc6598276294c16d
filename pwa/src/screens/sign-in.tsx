import { useState } from 'preact/hooks';
import { errorDetailsSchemas } from '../../../server/contract/errors.ts';
import { type Session, sessionSchema, signInSchema } from '../../../server/contract/session.ts';
import { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatTime } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { deviceId } from '../session/session-store.ts';

interface Props {
  api: ApiClient;
  notice: MessageKey | null;
  onSignedIn: (session: Session) => void;
}

type Problem = { kind: 'text'; text: string } | { kind: 'error'; error: unknown };

export function SignIn({ api, notice, onSignedIn }: Props) {
  const { t, locale } = useI18n();
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const explain = (error: unknown): Problem => {
    if (!(error instanceof ApiError) || error.kind !== 'http') return { kind: 'error', error };
    if (error.code === 'unauthorized') return { kind: 'text', text: t('signin.wrong') };
    if (error.code === 'validation_failed') return { kind: 'text', text: t('signin.invalid') };
    const locked = errorDetailsSchemas.locked.safeParse(error.details);
    if (error.code === 'locked' && locked.success) {
      const minutes = Math.max(1, Math.ceil(locked.data.retry_after_s / 60));
      return { kind: 'text', text: t('signin.locked', { time: formatTime(locale, locked.data.until), minutes }) };
    }
    return { kind: 'error', error };
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const input = signInSchema.safeParse({ name, pin, device_id: deviceId() });
    if (!input.success) return setProblem({ kind: 'text', text: t('signin.invalid') });
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(await api.call('POST', '/api/v1/session', sessionSchema, input.data));
    } catch (error) {
      setProblem(explain(error));
      setPin('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="panel sign-in-form" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h2 id="sign-in-title">{t('signin.title')}</h2>
        {notice && !problem && <p class="banner">{t(notice)}</p>}
        <label class="field">
          <span>{t('signin.name')}</span>
          <input name="name" autocomplete="username" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('signin.pin')}</span>
          <input
            name="pin"
            type="password"
            inputMode="numeric"
            pattern="[0-9]*"
            autocomplete="current-password"
            minLength={4}
            maxLength={8}
            required
            aria-describedby="pin-hint"
            value={pin}
            onInput={(e) => setPin(e.currentTarget.value.replace(/\D/g, ''))}
          />
          <small id="pin-hint">{t('signin.pin_hint')}</small>
        </label>
        {problem?.kind === 'text' && (
          <p class="banner banner-error" role="alert">
            {problem.text}
          </p>
        )}
        {problem?.kind === 'error' && <ErrorBanner error={problem.error} />}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
