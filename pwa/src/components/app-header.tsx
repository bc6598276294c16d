import type { Session } from '../../../server/contract/session.ts';
import { useI18n } from '../i18n/i18n.ts';

interface Props {
  session: Session | null;
  onSignOut: () => void;
  onHome: () => void;
  onToday: () => void;
}

export function AppHeader({ session, onSignOut, onHome, onToday }: Props) {
  const { t, lang, setLang } = useI18n();
  return (
    <header class="app-header">
      <h1 class="app-title">{t('app.title')}</h1>
      <nav class="app-nav" aria-label={t('app.title')}>
        {session && (
          <button type="button" class="button button-quiet" onClick={onHome}>
            {t('app.home')}
          </button>
        )}
        {session && (
          <button type="button" class="button button-quiet" onClick={onToday}>
            {t('today.nav')}
          </button>
        )}
        <button type="button" class="button button-quiet" lang={lang === 'zh' ? 'en' : 'zh-CN'} onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
          <span class="visually-hidden">{t('app.language')}: </span>
          {t('app.switch_language')}
        </button>
        {session && (
          <>
            <span class="who">{t('app.signed_in_as', { name: session.staff.name, role: t(`role.${session.role}`) })}</span>
            <button type="button" class="button" onClick={onSignOut}>
              {t('app.sign_out')}
            </button>
          </>
        )}
      </nav>
    </header>
  );
}
