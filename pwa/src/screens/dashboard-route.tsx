import type { FunctionComponent } from 'preact';
import { FailedScreen, LoadingScreen } from '../components/screen-states.tsx';
import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../../../server/contract/session.ts';
import { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import type { DashboardProps } from '../dashboard/dashboard.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { hrefOf } from '../use-hash-route.ts';

/*
 * #/dashboard. The dashboard and its charts are a separate chunk, fetched only when a manager opens it, so
 * a clerk's tablet never loads them. A clerk is told the page is for managers (the API refuses them anyway).
 */

let loaded: FunctionComponent<DashboardProps> | null = null;

export function DashboardRoute({ api, session }: { api: ApiClient; session: Session }) {
  const { t } = useI18n();
  const [Dashboard, setDashboard] = useState(() => loaded);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const isManager = session.role === 'manager';

  useEffect(() => {
    if (!isManager || Dashboard) return undefined;
    let live = true;
    setError(null);
    import('../dashboard/dashboard.tsx')
      .then((m) => {
        loaded = m.Dashboard;
        if (live) setDashboard(() => m.Dashboard);
      })
      // A failed chunk load (the tablet went offline) reads as a network error with a retry.
      .catch((e: unknown) => live && setError(new ApiError('network', 0, null, e instanceof Error ? e.message : String(e))));
    return () => {
      live = false;
    };
  }, [isManager, attempt]);

  if (!isManager)
    return (
      <main id="main" class="managers-only">
        <section class="panel" aria-labelledby="managers-only-title" data-testid="managers-only">
          <h2 id="managers-only-title">{t('dashboard.managers_only_title')}</h2>
          <p>{t('dashboard.managers_only')}</p>
          <a class="button button-primary" href={hrefOf({ screen: 'home' })}>
            {t('app.home')}
          </a>
        </section>
      </main>
    );
  if (error !== null)
    return <FailedScreen error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!Dashboard)
    return <LoadingScreen text={t('dashboard.loading')} />;
  return <Dashboard api={api} />;
}
