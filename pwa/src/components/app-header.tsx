import type { ComponentChildren } from 'preact';
import type { Session } from '../../../server/contract/session.ts';
import { useI18n } from '../i18n/i18n.ts';
import { hrefOf } from '../use-hash-route.ts';

interface Props {
  session: Session | null;
  onSignOut: () => void;
  onHome: () => void;
  onToday: () => void;
  /** The dashboard is open: its link is marked as the current page. */
  onDashboard?: boolean;
  /** Shown first in the bar (the network and outbox status). */
  status?: ComponentChildren;
}

export function AppHeader({ session, onSignOut, onHome, onToday, onDashboard = false, status }: Props) {
  const { t, lang, setLang } = useI18n();
  return (
    <header class="app-header">
      <h1 class="app-title">{t('app.title')}</h1>
      <nav class="app-nav" aria-label={t('app.title')}>
        {status}
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
        {session?.role === 'manager' && (
          <a class="button button-quiet" href={hrefOf({ screen: 'dashboard' })} aria-current={onDashboard ? 'page' : undefined}>
            {t('nav.dashboard')}
          </a>
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
