/**
 * Telling the agent something happened while they look elsewhere: a desktop
 * notification, a short chime (synthesized: no audio file to download) and the unread
 * count in the tab title. Preferences live in `localStorage`, per browser.
 */
import { useEffect, useSyncExternalStore } from 'react';

export interface NotifyPrefs {
  desktop: boolean;
  sound: boolean;
}

const KEY = 'chinwag:notify';
const listeners = new Set<() => void>();
let prefs: NotifyPrefs = { desktop: true, sound: true, ...safeParse(localStorage.getItem(KEY)) };

function safeParse(text: string | null): Partial<NotifyPrefs> {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

export function setPrefs(next: Partial<NotifyPrefs>) {
  prefs = { ...prefs, ...next };
  localStorage.setItem(KEY, JSON.stringify(prefs));
  listeners.forEach((l) => l());
}

export function usePrefs(): NotifyPrefs {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => void listeners.delete(l)),
    () => prefs,
  );
}

export const notificationsSupported = () => typeof Notification !== 'undefined';

/** Asks for permission (must run from a click). */
export async function requestPermission(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  const result = await Notification.requestPermission();
  listeners.forEach((l) => l());
  return result;
}

let audio: AudioContext | undefined;
/** Browsers allow sound only after a user gesture: unlock on the first one. */
addEventListener(
  'pointerdown',
  () => {
    try {
      audio ??= new AudioContext();
      void audio.resume();
    } catch {
      /* no Web Audio: stay silent */
    }
  },
  { once: true },
);

export function chime() {
  if (!prefs.sound || !audio || audio.state !== 'running') return;
  const now = audio.currentTime;
  [880, 1320].forEach((freq, i) => {
    const osc = audio!.createOscillator();
    const gain = audio!.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.12);
    gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
    osc.connect(gain).connect(audio!.destination);
    osc.start(now + i * 0.12);
    osc.stop(now + i * 0.12 + 0.3);
  });
}

/** A desktop notification when allowed and the page is not in front; clicking it focuses the app. */
export function desktopNotify(title: string, body: string, tag: string, onClick: () => void) {
  if (!prefs.desktop || !notificationsSupported() || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag, icon: `${import.meta.env.BASE_URL}icon-192.png` });
    n.onclick = () => {
      focus();
      onClick();
      n.close();
    };
  } catch {
    /* Android Chrome only notifies through a service worker registration: skip. */
  }
}

/** Keeps the tab title as `(N) Chinwag` while N conversations wait. */
export function useTitle(unread: number) {
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chinwag` : 'Chinwag';
  }, [unread]);
  useEffect(() => () => void (document.title = 'Chinwag'), []);
}
