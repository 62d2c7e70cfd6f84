// A tiny hash router: #/, #/connect, #/journal/ID, #/connections, #/settings.
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'dashboard' }
  | { page: 'connect' }
  | { page: 'journal'; id: number }
  | { page: 'connections' }
  | { page: 'settings' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const j = /^\/journal\/(\d+)$/.exec(path);
  if (j) return { page: 'journal', id: Number(j[1]) };
  if (path === '/connect') return { page: 'connect' };
  if (path === '/connections') return { page: 'connections' };
  if (path === '/settings') return { page: 'settings' };
  return { page: 'dashboard' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'dashboard':
      return '#/';
    case 'journal':
      return `#/journal/${route.id}`;
    default:
      return `#/${route.page}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

function subscribe(cb: () => void) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}
