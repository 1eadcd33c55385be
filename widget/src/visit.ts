/**
 * Triggers (proactive messages): an on-demand piece the loader starts with the page, only
 * for a website that has some (`WidgetConfig.hasTriggers`). It lists the website's
 * triggers that may fire now (`widgetTriggers`: the server has already decided business
 * hours and agents online), checks the page's conditions every second (so that time on
 * the page counts, and a single-page app's change of address too), and shows the first
 * trigger, in the website's order, whose conditions all hold: a bubble by the launcher
 * with the sender's name and avatar, the message and a close button, or, for a trigger
 * with `openPanel`, the chat itself. Each trigger at most once per page load; none while
 * the chat is open or a conversation is going on.
 *
 * Nothing is stored, in the browser or on the server, until the visitor replies: the
 * chat then shows the trigger's message as the new conversation's first, and the reply
 * starts it with `startConversation(input: { body, triggerId })` (the server stores the
 * trigger's message first, as a BOT message).
 */
import type { ChatMessage, VisitorConversation } from '@chinwag/sdk';
import type { Host, Locale } from './host.js';
import { holds, type TriggerCondition } from './trigger-conditions.js';
import css from './triggers.css';

/** A trigger as the widget lists it (`WidgetTrigger`). */
export interface WidgetTrigger {
  id: string;
  message: string;
  senderName: string;
  senderAvatarUrl: string | null;
  openPanel: boolean;
  conditions: TriggerCondition[];
}

// Anonymous, their variables one letter: a smaller chunk.
const LIST =
  'query($k:String!){widgetTriggers(websiteKey:$k){id message senderName senderAvatarUrl openPanel conditions{field operator value values}}}';
const START = 'mutation($i:StartConversationInput!){startConversation(input:$i){id lastSeq}}';

const CLOSE: Record<Locale, string> = { en: 'Dismiss', fr: 'Fermer', es: 'Cerrar' };
const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';

/** Started by the loader once the launcher is on the page; a failure (the server unreachable) shows nothing. */
export const start = (host: Host): Promise<void> => run(host).catch(() => {});

async function run(host: Host): Promise<void> {
  const { api, key, launcher } = host;
  /** Where the SDK keeps the visitor's session, and whether it has a conversation (see host.ts). */
  const session = `chinwag:visitor:${key}`;
  const stored = (k: string) => {
    try {
      return localStorage.getItem(k);
    } catch {
      return null;
    }
  };
  const returning = !!stored(session);
  const body = await (
    await fetch(
      `${api}${api.includes('?') ? '&' : '?'}query=${encodeURIComponent(LIST)}&variables=${encodeURIComponent(JSON.stringify({ k: key }))}`,
    )
  ).json();
  const triggers: WidgetTrigger[] = body.data?.widgetTriggers ?? [];
  if (!triggers.length) return;
  host.style(css);

  const shown = new Set<string>();
  let url = location.href;
  let since = 0;
  let bubble: HTMLElement | undefined;
  let busy = false;
  const dismiss = () => {
    bubble?.remove();
    bubble = undefined;
  };
  const isOpen = () => launcher.getAttribute('aria-expanded') === 'true';

  /** Opens the chat with the trigger's message as a new conversation's first. */
  const reply = async (trigger: WidgetTrigger) => {
    clearInterval(timer);
    dismiss();
    const core = await host.core();
    const m = {
      key: trigger.id,
      id: trigger.id,
      body: trigger.message,
      senderKind: 'BOT',
      senderName: trigger.senderName,
      senderAvatarUrl: trigger.senderAvatarUrl,
      status: 'sent',
      createdAt: new Date().toISOString(),
    } as ChatMessage;
    const begin = (input: object) =>
      core.client.request<{ startConversation: VisitorConversation }>(START, { i: input }).then((r) => r.startConversation);
    core.trigger = {
      m,
      async start(text) {
        // A trigger turned off since it was listed: the reply still starts a conversation.
        const started = await begin({ body: text, triggerId: trigger.id }).catch((e: { code?: string }) =>
          e.code === 'NOT_FOUND' ? begin({ body: text }) : Promise.reject(e),
        );
        core.trigger = undefined;
        core.sent({ conversationId: started.id, body: text });
        return started;
      },
    };
    await core.open();
  };

  /** Shows the bubble by the launcher. */
  const show = (trigger: WidgetTrigger) => {
    const el = document.createElement('div');
    el.className = 'tg';
    el.setAttribute('role', 'status');
    el.innerHTML = `<button class="tg-x" type="button">${CLOSE_ICON}</button><button class="tg-open" type="button"><span class="tg-who"></span><span class="tg-msg"></span></button>`;
    const [close, open] = el.children as unknown as [HTMLButtonElement, HTMLButtonElement];
    const who = open.firstChild as HTMLElement;
    close.setAttribute('aria-label', CLOSE[host.locale()]);
    const avatar = document.createElement(trigger.senderAvatarUrl ? 'img' : 'b');
    if (trigger.senderAvatarUrl)
      (avatar as HTMLImageElement).src = new URL(trigger.senderAvatarUrl, new URL(api, location.href)).href;
    else avatar.textContent = trigger.senderName[0] ?? '';
    avatar.setAttribute('aria-hidden', 'true');
    who.append(avatar, trigger.senderName);
    open.lastChild!.textContent = trigger.message;
    close.onclick = () => {
      dismiss();
      launcher.focus();
    };
    open.onclick = () => void reply(trigger);
    launcher.before(el);
    bubble = el;
  };

  /** Whether the visitor's latest conversation is still going on (one who has written before). */
  const talking = async () => {
    if (!stored(`${session}:talked`)) return false;
    // Unknown (the server unreachable): as if it were, so as not to interrupt.
    const { nodes } = await (await host.core()).client.conversations({ first: 1 }).catch(() => ({ nodes: [{ status: 'OPEN' }] }));
    return !!nodes[0] && nodes[0].status !== 'RESOLVED';
  };

  const tick = async () => {
    if (isOpen()) return dismiss();
    if (bubble || busy) return;
    if (location.href !== url) {
      url = location.href;
      since = performance.now();
    }
    const facts = {
      url,
      referrer: document.referrer,
      seconds: (performance.now() - since) / 1000,
      returning,
    };
    const trigger = triggers.find((t) => !shown.has(t.id) && holds(t.conditions, facts));
    if (!trigger) return;
    busy = true;
    try {
      if (await talking()) return clearInterval(timer);
      if (isOpen()) return;
      shown.add(trigger.id);
      host.emit('trigger', { id: trigger.id });
      if (trigger.openPanel) await reply(trigger);
      else show(trigger);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick().catch(() => {}), 1000);
  void tick().catch(() => {});
}
