/**
 * A small router over the History API, under the base the app is served at (`/app/`).
 * Paths are handled without the base: `inbox/mine/cnv_1`. Rejected: a router library,
 * for a dozen routes and the bundle budget.
 */
import { createElement, useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const BASE = import.meta.env.BASE_URL; // '/app/'
const listeners = new Set<() => void>();

const current = () =>
  location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname.replace(/^\//, '');
let snapshot = current() + location.search;

function changed() {
  snapshot = current() + location.search;
  listeners.forEach((l) => l());
}
addEventListener('popstate', () => {
  // Back or Forward already moved the address: staying puts ours back (as a new entry).
  if (!mayLeave()) return history.pushState(null, '', BASE + snapshot);
  changed();
});

/** The questions of the screens that hold unsaved work ("Leave without saving?"). */
const guards = new Set<{ question: string }>();

/** Whether the person lets the unsaved work go (asked once per screen holding some). */
function mayLeave(): boolean {
  for (const { question } of guards) if (!confirm(question)) return false;
  return true;
}

/**
 * While `question` is set (work not saved), leaving through the app (a link, Back,
 * `navigate`) asks it first, and closing or reloading the tab asks the browser's own.
 */
export function useLeaveGuard(question: string | null) {
  useEffect(() => {
    if (!question) return;
    const mine = { question };
    guards.add(mine);
    const unload = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', unload);
    return () => {
      guards.delete(mine);
      removeEventListener('beforeunload', unload);
    };
  }, [question]);
}

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

/**
 * Goes to `to` (below the base). A screen's unsaved work is asked about first (see
 * `useLeaveGuard`), unless `discard`: the caller has just saved it or means to drop it.
 */
export function navigate(to: string, { replace = false, discard = false } = {}) {
  const url = BASE + to.replace(/^\//, '');
  if (url === location.pathname + location.search) return;
  if (!discard && !mayLeave()) return;
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
