import { useI18n } from '../i18n/i18n.ts';
import { errorText } from './error-text.ts';

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  return (
    <div class="banner banner-error" role="alert">
      <p>{errorText(error, i18n)}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          {i18n.t('error.retry')}
        </button>
      )}
    </div>
  );
}
