import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { screen: 'home' }
  | { screen: 'card'; id: string }
  | { screen: 'dashboard' }
  | { screen: 'today' }
  | { screen: 'register'; query: string };

function parse(hash: string): Route {
  if (hash === '#/dashboard') return { screen: 'dashboard' };
  if (hash === '#/today') return { screen: 'today' };
  const m = /^#\/customer\/([^/]+)$/.exec(hash);
  if (m?.[1]) return { screen: 'card', id: decodeURIComponent(m[1]) };
  const r = /^#\/register(?:\?(.*))?$/.exec(hash);
  if (r) return { screen: 'register', query: new URLSearchParams(r[1] ?? '').get('q') ?? '' };
  return { screen: 'home' };
}

export function hrefOf(route: Route): string {
  if (route.screen === 'dashboard') return '#/dashboard';
  if (route.screen === 'today') return '#/today';
  if (route.screen === 'card') return `#/customer/${encodeURIComponent(route.id)}`;
  if (route.screen === 'register') return route.query ? `#/register?${new URLSearchParams({ q: route.query }).toString()}` : '#/register';
  return '#/';
}

/** The screen lives in the URL's hash, so the tablet's back gesture goes back to the search. */
export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
