import { useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n.ts';

const BUILD_KEY = 'clerk.build';

/**
 * True once, on the first page load of a new build: the service worker (autoUpdate) took the new version
 * over in the background, and this navigation is the first to run it.
 */
function firstLoadOfNewBuild(): boolean {
  const seen = localStorage.getItem(BUILD_KEY);
  localStorage.setItem(BUILD_KEY, __BUILD_ID__);
  return seen !== null && seen !== __BUILD_ID__;
}

export function UpdatedNote() {
  const { t } = useI18n();
  const [shown, setShown] = useState(firstLoadOfNewBuild);
  if (!shown) return null;
  return (
    <div class="updated-note" role="status" data-testid="updated-note">
      <p>{t('updated.note')}</p>
      <button type="button" class="button" onClick={() => setShown(false)}>
        {t('updated.dismiss')}
      </button>
    </div>
  );
}
