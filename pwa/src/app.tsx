import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import type { CustomerCard } from '../../server/contract/profile.ts';
import type { Session } from '../../server/contract/session.ts';
import { createApiClient } from './api/client.ts';
import { AppHeader } from './components/app-header.tsx';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { NetStatus } from './components/net-status.tsx';
import { UpdatedNote } from './components/updated-note.tsx';
import { I18nContext, loadCatalog, makeI18n, storedLang, storeLang } from './i18n/i18n.ts';
import type { Lang, MessageKey } from './i18n/messages.ts';
import { cacheCard } from './offline/card-cache.ts';
import { OutboxContext, useOutboxService } from './offline/use-outbox.ts';
import { rememberCustomer } from './recent-customers.ts';
import { CardRoute } from './screens/card-route.tsx';
import { DashboardRoute } from './screens/dashboard-route.tsx';
import { Home } from './screens/home.tsx';
import { Register } from './screens/register.tsx';
import { SignIn } from './screens/sign-in.tsx';
import { loadSession, saveSession } from './session/session-store.ts';
import { useIdleLock } from './session/use-idle-lock.ts';
import { TillBanner } from './till/till-banner.tsx';
import { useTillPresence } from './till/use-till-presence.ts';
import { TodayScreen } from './today/today-screen.tsx';
import { navigate as go, useHashRoute } from './use-hash-route.ts';

function remember(card: CustomerCard): void {
  const card_ = card.identifiers.find((i) => i.kind === 'card') ?? card.identifiers[0];
  rememberCustomer({ id: card.id, name: card.name, label: card_?.masked ?? '', seen_at: new Date().toISOString() });
  void cacheCard(card);
}

export function App() {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const [found, setFound] = useState<CustomerCard | null>(null);
  const route = useHashRoute();
  const tokenRef = useRef<string | null>(session?.token ?? null);

  const i18n = useMemo(
    () =>
      makeI18n(lang, (next) => {
        // The other catalog is a chunk of its own (precached, so this is quick offline too).
        void loadCatalog(next).then(() => {
          storeLang(next);
          setLangState(next);
        });
      }),
    [lang],
  );

  const endSession = useCallback((why: MessageKey | null) => {
    tokenRef.current = null;
    saveSession(null);
    setSession(null);
    setFound(null);
    setNotice(why);
  }, []);

  const [reachable, setReachable] = useState(true);
  const api = useMemo(() => createApiClient(() => tokenRef.current, () => endSession('signin.expired'), setReachable), [endSession]);
  const outbox = useOutboxService(api, session, reachable);

  const signOut = useCallback(
    (why: MessageKey | null) => {
      // The server forgets the token too; the tablet does not wait for it.
      if (tokenRef.current) void api.send('DELETE', '/api/v1/session').catch(() => undefined);
      endSession(why);
    },
    [api, endSession],
  );
  const presence = useTillPresence(session?.token ?? null, () => endSession('signin.expired'));
  const openCard = useCallback((id: string) => go({ screen: 'card', id }), []);
  const onIdle = useCallback(() => signOut('signin.locked_out_idle'), [signOut]);
  useIdleLock(session ? session.idle_minutes : null, onIdle);

  const onSignedIn = (s: Session) => {
    tokenRef.current = s.token;
    saveSession(s);
    setNotice(null);
    setSession(s);
  };
  const onFound = useCallback(
    (card: CustomerCard) => {
      remember(card);
      setFound(card);
      go({ screen: 'card', id: card.id });
    },
    [],
  );
  const goHome = useCallback(() => go({ screen: 'home' }), []);

  return (
    <I18nContext.Provider value={i18n}>
      <OutboxContext.Provider value={outbox}>
      <AppHeader
        session={session}
        onSignOut={() => signOut(null)}
        onHome={goHome}
        onToday={() => go({ screen: 'today' })}
        onDashboard={route.screen === 'dashboard'}
        status={<NetStatus />}
      />
      <UpdatedNote />
      {session && <TillBanner presence={presence} onOpen={openCard} />}
      <ErrorBoundary key={route.screen === 'card' ? route.id : route.screen}>
      {!session ? (
        <SignIn api={api} notice={notice} onSignedIn={onSignedIn} />
      ) : route.screen === 'dashboard' ? (
        <DashboardRoute api={api} session={session} />
      ) : route.screen === 'card' ? (
        <CardRoute key={route.id} api={api} id={route.id} preloaded={found} onLoaded={remember} />
      ) : route.screen === 'register' ? (
        <Register key={route.query} query={route.query} onRegistered={onFound} onCancel={goHome} />
      ) : route.screen === 'today' ? (
        <TodayScreen api={api} onOpen={openCard} />
      ) : (
        <Home api={api} onFound={onFound} onOpen={openCard} onRegister={(query) => go({ screen: 'register', query })} />
      )}
      </ErrorBoundary>
      </OutboxContext.Provider>
    </I18nContext.Provider>
  );
}
