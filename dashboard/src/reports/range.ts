/**
 * Reports' dates and numbers: the range presets read in the organization's time zone
 * (a "day" is the organization's day, as the server groups it, not the browser's), the
 * periods a time chart spans, and durations and figures as people read them.
 *
 * Local dates are `YYYY-MM-DD` strings, counted with `Date.UTC` as a plain calendar: no
 * browser time zone is involved until `zonedStart` turns one into an instant.
 */

export type Preset = 'today' | '7d' | '30d' | 'month' | '12m' | 'custom';
export type TimeGrouping = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

export const GROUPING_LABELS: Record<TimeGrouping, string> = { HOUR: 'Hour', DAY: 'Day', WEEK: 'Week', MONTH: 'Month' };

export const PRESETS: { value: Preset; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'month', label: 'This month' },
  { value: '12m', label: 'Last 12 months' },
  { value: 'custom', label: 'Custom' },
];

/** The server's limits on a range (`AnalyticsInput.to`). */
export const MAX_DAYS = 400;
/** Hours are offered up to two days: 48 bars. */
export const MAX_HOUR_DAYS = 2;

const DAY_MS = 86_400_000;
const parse = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10));
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, days: number) => iso(parse(date) + days * DAY_MS);
export const daysBetween = (from: string, to: string) => Math.round((parse(to) - parse(from)) / DAY_MS);
export const isDate = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && iso(parse(s)) === s;

const partsFormats = new Map<string, Intl.DateTimeFormat>();
/** The wall clock in `timeZone` at `ms`, read as if it were UTC. */
function wallClock(ms: number, timeZone: string): number {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
}

/** Today's date in `timeZone`. */
export const todayIn = (timeZone: string, now = Date.now()) => iso(wallClock(now, timeZone));

/** The instant `date` starts in `timeZone` (its midnight; twice corrected for the offset's change across DST). */
export function zonedStart(date: string, timeZone: string): Date {
  const wall = parse(date);
  let t = wall;
  for (let i = 0; i < 2; i++) t = wall - (wallClock(t, timeZone) - t);
  return new Date(t);
}

export interface Range {
  /** The first day. */
  first: string;
  /** The last day (inclusive). */
  last: string;
  days: number;
  /** The range as the server takes it: `[from, to)`. */
  from: string;
  to: string;
}

/** The days a preset (or a custom `from`..`to`, both inclusive) covers, or why they cannot be a report. */
export function rangeOf(
  preset: Preset,
  custom: { from: string | null; to: string | null },
  timeZone: string,
  now = Date.now(),
): Range | { error: string } {
  const today = todayIn(timeZone, now);
  let first: string;
  let last = today;
  if (preset === 'today') first = today;
  else if (preset === '30d') first = addDays(today, -29);
  else if (preset === 'month') first = `${today.slice(0, 8)}01`;
  else if (preset === '12m') {
    const y = +today.slice(0, 4);
    const m = +today.slice(5, 7) - 11;
    first = iso(Date.UTC(y, m - 1, 1));
  } else if (preset === 'custom') {
    if (!isDate(custom.from) || !isDate(custom.to)) return { error: 'Choose both dates of the range.' };
    if (custom.to < custom.from) return { error: 'The range ends before it starts: choose an end on or after its start.' };
    first = custom.from;
    last = custom.to;
  } else first = addDays(today, -6);
  const days = daysBetween(first, last) + 1;
  if (days > MAX_DAYS) return { error: `A report covers at most ${MAX_DAYS} days: choose a shorter range.` };
  return {
    first,
    last,
    days,
    from: zonedStart(first, timeZone).toISOString(),
    to: zonedStart(addDays(last, 1), timeZone).toISOString(),
  };
}

/** The time groupings a range of `days` offers, and the one it starts with. */
export function groupingsFor(days: number): { options: TimeGrouping[]; preferred: TimeGrouping } {
  const options: TimeGrouping[] = days <= MAX_HOUR_DAYS ? ['HOUR', 'DAY', 'WEEK', 'MONTH'] : ['DAY', 'WEEK', 'MONTH'];
  const preferred = days <= 1 ? 'HOUR' : days <= 62 ? 'DAY' : days <= 190 ? 'WEEK' : 'MONTH';
  return { options, preferred };
}

/**
 * Every period of the range, in the keys the server gives its groups (`2026-12-07T14:00`,
 * `2026-12-07` for a day or the Monday of a week, `2026-12`): the server leaves empty
 * periods out, a chart shows them as zero.
 */
export function periodsOf(range: Pick<Range, 'first' | 'last'>, grouping: TimeGrouping): string[] {
  const keys: string[] = [];
  if (grouping === 'MONTH') {
    for (let m = range.first.slice(0, 7); m <= range.last.slice(0, 7); m = addDays(`${m}-28`, 7).slice(0, 7)) keys.push(m);
    return keys;
  }
  // Weeks start on Monday (getUTCDay: 0 is Sunday).
  const start = grouping === 'WEEK' ? addDays(range.first, -((new Date(parse(range.first)).getUTCDay() + 6) % 7)) : range.first;
  const step = grouping === 'WEEK' ? 7 : 1;
  for (let d = start; d <= range.last; d = addDays(d, step)) {
    if (grouping === 'HOUR') for (let h = 0; h < 24; h++) keys.push(`${d}T${String(h).padStart(2, '0')}:00`);
    else keys.push(d);
  }
  return keys;
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const longDayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** A period's key as a short label: `14:00`, `7 Dec`, `Dec 2026`. */
export function periodLabel(key: string, grouping: TimeGrouping, severalDays = false): string {
  if (grouping === 'HOUR') {
    const hour = key.slice(11, 16);
    return severalDays && hour === '00:00' ? dayFmt.format(parse(key)) : hour;
  }
  if (grouping === 'MONTH') return monthFmt.format(Date.UTC(+key.slice(0, 4), +key.slice(5, 7) - 1, 1));
  return dayFmt.format(parse(key));
}

/** A period's key in full, for the charts' tables: `7 Dec 2026, 14:00`, `Week of 30 Nov 2026`. */
export function periodName(key: string, grouping: TimeGrouping): string {
  if (grouping === 'HOUR') return `${longDayFmt.format(parse(key))}, ${key.slice(11, 16)}`;
  if (grouping === 'WEEK') return `Week of ${longDayFmt.format(parse(key))}`;
  if (grouping === 'MONTH') return monthFmt.format(Date.UTC(+key.slice(0, 4), +key.slice(5, 7) - 1, 1));
  return longDayFmt.format(parse(key));
}

/** The range as words: `30 Nov 2026 – 6 Dec 2026`, or one day. */
export const rangeName = (r: Pick<Range, 'first' | 'last'>) =>
  r.first === r.last
    ? longDayFmt.format(parse(r.first))
    : `${longDayFmt.format(parse(r.first))} – ${longDayFmt.format(parse(r.last))}`;

/** A duration as people say it: `under 1 s`, `42 s`, `1 min 12 s`, `3 h 5 min`, `2 d 4 h`; `–` for none. */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return '–';
  if (seconds < 1) return seconds > 0 ? 'under 1 s' : '0 s';
  const s = Math.round(seconds);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  const m = Math.round(s / 60);
  if (m < 1440) return two(Math.floor(m / 60), 'h', m % 60, 'min');
  const h = Math.round(m / 60);
  return two(Math.floor(h / 24), 'd', h % 24, 'h');
}

const count = new Intl.NumberFormat();
const percentFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const number = (n: number) => count.format(n);
export const percent = (n: number | null | undefined) => (n == null ? '–' : percentFmt.format(n));
export const rating = (n: number | null | undefined) => (n == null ? '–' : oneDecimal.format(n));

/** Revenue per currency, `€120.50 + NOK 300.00`; `null` for none. */
export function money(revenue: { amount: number; currency: string }[]): string | null {
  if (!revenue.length) return null;
  return revenue
    .map((r) => {
      try {
        return new Intl.NumberFormat(undefined, { style: 'currency', currency: r.currency }).format(r.amount);
      } catch {
        return `${r.currency} ${r.amount}`;
      }
    })
    .join(' + ');
}
