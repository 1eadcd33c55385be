/**
 * A small router over the History API, under the base the app is served at (`/app/`).
 * Paths are handled without the base: `inbox/mine/cnv_1`. Rejected: a router library,
 * for a dozen routes and the bundle budget.
 */
import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const BASE = import.meta.env.BASE_URL; // '/app/'
const listeners = new Set<() => void>();

const current = () =>
  location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname.replace(/^\//, '');
let snapshot = current() + location.search;

function changed() {
  snapshot = current() + location.search;
  listeners.forEach((l) => l());
}
addEventListener('popstate', changed);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The path below the base and its query, like `inbox/mine?status=open`. */
export function useLocation(): { path: string; segments: string[]; query: URLSearchParams } {
  const s = useSyncExternalStore(subscribe, () => snapshot);
  const [path = '', search = ''] = s.split('?');
  return { path, segments: path.split('/').filter(Boolean), query: new URLSearchParams(search) };
}

/** The full URL of an app path (for links shared outside: invites). */
export const appUrl = (to: string) => `${location.origin}${BASE}${to.replace(/^\//, '')}`;

export function navigate(to: string, { replace = false } = {}) {
  const url = BASE + to.replace(/^\//, '');
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  changed();
}

/** An `<a>` that navigates within the app (and still opens in a new tab with a modifier). */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return createElement('a', {
    ...rest,
    href: BASE + to.replace(/^\//, ''),
    onClick(e: MouseEvent<HTMLAnchorElement>) {
      onClick?.(e);
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
    },
  });
}
