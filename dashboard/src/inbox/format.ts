/** Display helpers: names, times, browsers, priorities. */
import type { Priority } from '@chinwag/sdk';

/** The priorities, lowest first, by name. */
export const PRIORITIES: { value: Priority; label: string }[] = [
  { value: 'NORMAL', label: 'Normal' },
  { value: 'HIGH', label: 'High' },
  { value: 'URGENT', label: 'Urgent' },
];

export function visitorName(v: { id: string; name: string | null; email?: string | null }): string {
  return v.name || v.email || `Visitor ${v.id.slice(-4)}`;
}

// The widget's formatter (widget/src/panel/Chat.tsx) uses the same options, so an agent and
// a visitor in one locale read the same "4:57 PM" (or "16:57"): the hour is not padded.
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** `14:05` (or `2:05 PM`, by locale) today, `3 Mar` before. */
export function when(iso: string): string {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dayFmt.format(d);
}

export const fullDate = (iso: string) => fullFmt.format(new Date(iso));

/** "Chrome 126 on macOS" from a user agent, good enough for a sidebar. */
export function browserOf(ua: string | null | undefined): string | null {
  if (!ua) return null;
  const browser =
    match(ua, /Edg\/(\d+)/, 'Edge') ??
    match(ua, /OPR\/(\d+)/, 'Opera') ??
    match(ua, /Firefox\/(\d+)/, 'Firefox') ??
    match(ua, /Chrom(?:e|ium)\/(\d+)/, 'Chrome') ??
    match(ua, /Version\/(\d+).*Safari/, 'Safari') ??
    (/node/i.test(ua) ? 'Node.js' : 'Unknown browser');
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  return os ? `${browser} on ${os}` : browser;
}

function match(ua: string, re: RegExp, name: string) {
  const m = ua.match(re);
  return m ? `${name} ${m[1]}` : null;
}

/** How long since `iso`, for a wait: `under a minute`, `4 min`, `2 h 5 min`, `3 days`. */
export function waitedFor(iso: string, now = Date.now()): string {
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(minutes / 1440)} days`;
}

/** An estimated wait (`estimatedWaitSeconds`, whole minutes): `~5 min`, `~1 h 20 min`. */
export function aboutWait(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `~${minutes} min`;
  return `~${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
