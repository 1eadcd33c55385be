/**
 * A conversation against its SLA policy (docs/routing.md, "SLA policies"), as the queue's
 * rows and the conversation's header show it: "Breached" (red), "Due in 8 min" (amber,
 * near), "Due in 2 h" or "Due 14:30" (neutral, on track), nothing once every target is
 * met or without a policy. The server's `slaStatus` is computed when read, and the inbox
 * hears of it again when a target becomes near and when it is due; between those events
 * a clock ticking once a minute moves the "Due in" text, and a due time that passed shows
 * as breached without waiting for the server's event.
 */
import type { AgentConversation } from '@chinwag/sdk';
import { useSyncExternalStore } from 'react';
import { fullDate } from './format';

/** What the badge reads of a conversation. */
export type SlaFacts = Pick<
  AgentConversation,
  'status' | 'slaStatus' | 'firstResponseDueAt' | 'nextResponseDueAt' | 'resolutionDueAt' | 'firstResponseAt' | 'updatedAt'
>;

/** As the server counts it: an open target is near this long before it is due. */
const NEAR_MS = 10 * 60_000;

/**
 * The open target due first: its time (ms) and which one it is; null when none is open. A
 * next response is open while the server gives its due time (the visitor waits for a reply).
 */
export function openDue(c: SlaFacts): { at: number; what: string } | null {
  const open = [
    { due: !c.firstResponseAt && c.firstResponseDueAt, what: 'First response' },
    { due: c.nextResponseDueAt, what: 'Next response' },
    { due: c.status !== 'RESOLVED' && c.resolutionDueAt, what: 'Resolution' },
  ].flatMap(({ due, what }) => (due ? [{ at: Date.parse(due), what }] : []));
  return open.reduce<{ at: number; what: string } | null>((a, b) => (a && a.at <= b.at ? a : b), null);
}

/**
 * The server's `DUE_FIRST` order (`conversations(order: DUE_FIRST)`): the earliest open due
 * time first, chats with none after them; ties by id. The same order as the server's pages,
 * so that a live update lands where the next page would have put it.
 */
export function byDue(a: SlaFacts & { id: string }, b: SlaFacts & { id: string }) {
  const x = openDue(a)?.at ?? Infinity;
  const y = openDue(b)?.at ?? Infinity;
  if (x !== y) return x < y ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export interface SlaView {
  tone: 'breached' | 'near' | 'on-track';
  /** "Breached", "Due in 8 min", "Due 14:30". */
  text: string;
  /** What the badge stands for, in full (its tooltip and accessible name). */
  label: string;
}

/** How the badge reads at `now`; null for nothing to show. */
export function slaView(c: SlaFacts, now: number): SlaView | null {
  if (!c.slaStatus || c.slaStatus === 'MET') return null;
  const due = openDue(c);
  if (c.slaStatus === 'BREACHED' || (due && due.at <= now)) {
    return {
      tone: 'breached',
      text: 'Breached',
      label: due ? `SLA breached: ${due.what.toLowerCase()} was due ${fullDate(new Date(due.at).toISOString())}` : 'SLA breached',
    };
  }
  if (!due) return null;
  const left = due.at - now;
  const minutes = Math.max(1, Math.ceil(left / 60_000));
  const at = new Date(due.at);
  const text =
    minutes < 60
      ? `Due in ${minutes} min`
      : left < 3 * 3_600_000
        ? `Due in ${Math.round(left / 3_600_000)} h`
        : at.toDateString() === new Date(now).toDateString()
          ? `Due ${timeFmt.format(at)}`
          : left < 6 * 86_400_000
            ? `Due ${weekdayFmt.format(at)}`
            : `Due ${dayFmt.format(at)}`;
  return {
    tone: c.slaStatus === 'NEAR' || left <= NEAR_MS ? 'near' : 'on-track',
    text,
    label: `SLA: ${due.what.toLowerCase()} due ${fullDate(at.toISOString())}`,
  };
}

/** The badge; re-renders once a minute while shown. */
export function SlaBadge({ conversation }: { conversation: SlaFacts }) {
  useMinute();
  const view = slaView(conversation, Date.now());
  if (!view) return null;
  return (
    <span className={`badge sla sla-${view.tone}`} title={view.label} aria-label={view.label} data-sla={view.tone}>
      {view.text}
    </span>
  );
}

/**
 * Of two copies of one conversation (the live one and the inbox's latest), the one to read
 * the SLA from: the newer. Due times are set, and targets become near or due, with an
 * event to the inbox only, so the live conversation can lag behind.
 */
export function fresher(live: SlaFacts, inbox: SlaFacts | null): SlaFacts {
  return inbox && inbox.updatedAt >= live.updatedAt ? inbox : live;
}

// One clock for every badge on screen: a tick each minute while any is mounted.
const ticking = new Set<() => void>();
let minute = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  ticking.add(listener);
  timer ??= setInterval(() => {
    minute++;
    ticking.forEach((l) => l());
  }, 60_000);
  return () => {
    ticking.delete(listener);
    if (!ticking.size) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Re-renders the caller once a minute. */
export function useMinute(): number {
  return useSyncExternalStore(subscribe, () => minute);
}
