/**
 * Web Push: chats offered or assigned to the agent notified on this device even with the
 * dashboard closed (docs/dashboard.md, "Notifications on your phone"). The server encrypts
 * each notification to this browser's push subscription; `public/sw.js` shows it and
 * handles the click. Here: the switch's work (permission, subscription, the server's copy),
 * and what the signed-in app does on load: give the server this browser's subscription
 * again (it may have changed while the app was closed), move where a clicked
 * notification leads, and accept the offer a notification's Accept was for.
 */
import type { AgentClient } from '@chinwag/sdk';
import { useEffect, useRef } from 'react';
import { SubscribeWebPushDocument, UnsubscribeWebPushDocument, WebPushPublicKeyDocument } from './api';
import { visitorName } from './inbox/format';
import { navigate } from './router';
import { errorMessage, toast } from './ui';

const BASE = import.meta.env.BASE_URL;

/**
 * `install`: an iPhone or iPad outside the app added to the Home Screen (Safari has Web
 * Push only there); `unsupported`: no Push API, or no service worker (Vite's dev server).
 */
export type PushState = 'on' | 'off' | 'blocked' | 'unsupported' | 'install';

const apple = () =>
  /iPhone|iPad|iPod/.test(navigator.userAgent) || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
const installed = () =>
  matchMedia('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true;
const pushApi = () => typeof Notification !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined';

/** The dashboard's service worker registration, when there is one (none in development). */
async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!pushApi()) return undefined;
  const found = await navigator.serviceWorker.getRegistration(BASE);
  // Registered but maybe still installing: subscribing needs it active.
  return found && (await navigator.serviceWorker.ready);
}

async function subscription(): Promise<PushSubscription | null> {
  return (await registration())?.pushManager.getSubscription() ?? null;
}

/** Where this device stands. */
export async function pushState(): Promise<PushState> {
  if (!pushApi()) return apple() && !installed() ? 'install' : 'unsupported';
  if (!(await registration())) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return Notification.permission === 'granted' && (await subscription()) ? 'on' : 'off';
}

/** Gives the server this subscription (again: it keeps one copy per endpoint). */
async function save(client: AgentClient, sub: PushSubscription) {
  const { endpoint, keys } = sub.toJSON();
  if (!endpoint || !keys?.p256dh || !keys.auth) throw new Error('The browser gave an incomplete push subscription.');
  await client.request(SubscribeWebPushDocument, { endpoint, p256dh: keys.p256dh, auth: keys.auth });
}

const bytes = (base64url: string) =>
  Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** Asks for permission (run it from a click), subscribes this browser and tells the server. */
export async function turnOn(client: AgentClient): Promise<PushState> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'blocked' : 'off';
  const reg = await registration();
  if (!reg) return 'unsupported';
  let sub = await reg.pushManager.getSubscription();
  if (!sub) {
    const { webPushPublicKey } = await client.request(WebPushPublicKeyDocument);
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(webPushPublicKey) });
  }
  await save(client, sub);
  return 'on';
}

/** Stops notifications here: the server forgets the endpoint, then the browser drops it. */
export async function turnOff(client: AgentClient): Promise<PushState> {
  const sub = await subscription();
  if (sub) {
    await client.request(UnsubscribeWebPushDocument, { endpoint: sub.endpoint });
    await sub.unsubscribe();
  }
  return pushState();
}

/**
 * For the signed-in app: on load, the server gets this browser's subscription again
 * (the service worker may have had to renew it, `pushsubscriptionchange`, while no
 * dashboard was open to say so); the service worker's messages move the app where a
 * clicked notification leads; and `?accept=<conversation id>` (an offer's notification)
 * accepts that offer.
 */
export function usePush(client: AgentClient, accept: string | null) {
  useEffect(() => {
    if (!pushApi()) return;
    const resync = () =>
      void subscription()
        .then((sub) => sub && save(client, sub))
        .catch(() => {});
    if (Notification.permission === 'granted') resync();
    const onMessage = (e: MessageEvent) => {
      if (e.data?.type === 'chinwag:subscription') resync();
      else if (e.data?.type === 'chinwag:open' && typeof e.data.path === 'string') navigate(e.data.path);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [client]);

  const accepting = useRef<string | null>(null);
  useEffect(() => {
    if (!accept || accepting.current === accept) return;
    accepting.current = accept;
    client.acceptOffer(accept).then(
      (c) => {
        navigate(`inbox/mine/${c.id}`, { replace: true });
        toast(`${visitorName(c.visitor)} is yours`);
      },
      // Taken meanwhile, or its time ran out: the server says which.
      (e) => {
        navigate('inbox/unassigned', { replace: true });
        toast(`Could not accept the chat: ${errorMessage(e)}`, 'error');
      },
    );
  }, [client, accept]);
}

/**
 * Before signing out: this device stops getting the agent's notifications (someone else
 * may use it next). Signing out waits on it for 3 s at most.
 */
export async function forgetDevice(client: AgentClient) {
  if (!pushApi() || Notification.permission !== 'granted') return;
  await Promise.race([turnOff(client).catch(() => {}), new Promise((r) => setTimeout(r, 3_000))]);
}
