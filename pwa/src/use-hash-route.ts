import { useEffect, useState } from 'preact/hooks';

export type Route = { screen: 'home' } | { screen: 'card'; id: string } | { screen: 'today' };

function parse(hash: string): Route {
  if (hash === '#/today') return { screen: 'today' };
  const m = /^#\/customer\/([^/]+)$/.exec(hash);
  return m?.[1] ? { screen: 'card', id: decodeURIComponent(m[1]) } : { screen: 'home' };
}

export function hrefOf(route: Route): string {
  if (route.screen === 'today') return '#/today';
  return route.screen === 'card' ? `#/customer/${encodeURIComponent(route.id)}` : '#/';
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
