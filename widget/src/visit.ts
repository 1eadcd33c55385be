/**
 * The visit: an on-demand piece the loader starts with the page, only for a website with
 * triggers (`WidgetConfig.hasTriggers`) or live presence (`livePresence` not `OFF`).
 *
 * Live presence (docs/widget.md, "Live visitors"): a beacon, `POST /presence` next to the
 * GraphQL endpoint, on load, every 30 s while the page is visible and after a
 * single-page app's change of address, so that agents see who is on the site
 * (`liveVisitors`). `PAGE_LOAD` keeps a random id in the page's memory and stores
 * nothing; `FIRST_PARTY_ID` keeps one id in `localStorage` (`chinwag:presence:<key>`)
 * with the pages of the visit, so that agents see returning visitors and pages per
 * visit. The beacon's answer carries the messages agents wrote to this visitor
 * (`messageLiveVisitor`): each shows once, as a trigger's bubble does, and the visitor's
 * reply starts the conversation with it (`startConversation(input: { body,
 * proactiveMessageId })`: the server stores the agent's message first, as theirs).
 *
 * Triggers (proactive messages): it lists the website's triggers that may fire now
 * (`widgetTriggers`: the server has already decided business hours and agents online),
 * checks the page's conditions every second (so that time on the page counts, and a
 * single-page app's change of address too), and shows the first trigger, in the
 * website's order, whose conditions all hold: a bubble by the launcher with the sender's
 * name and avatar, the message and a close button, or, for a trigger with `openPanel`,
 * the chat itself. Each trigger at most once per page load; none while the chat is open
 * or a conversation is going on. Nothing is stored for them, in the browser or on the
 * server, until the visitor replies: the chat then shows the trigger's message as the
 * new conversation's first, and the reply starts it with `startConversation(input: {
 * body, triggerId })` (the server stores the trigger's message first, as a BOT message).
 */
import type { ChatMessage, VisitorConversation } from '@chinwag/sdk';
import type { Host, Locale } from './host.js';
import { holds, type TriggerCondition } from './trigger-conditions.js';
import css from './visit.css';

/** A trigger as the widget lists it (`WidgetTrigger`). */
export interface WidgetTrigger {
  id: string;
  message: string;
  senderName: string;
  senderAvatarUrl: string | null;
  openPanel: boolean;
  conditions: TriggerCondition[];
}

/** An agent's message to this live visitor, from the beacon's answer. */
export interface ProactiveMessage {
  id: string;
  body: string;
  senderName: string;
  senderAvatarUrl: string | null;
}

/** What a bubble shows: a trigger's message, or an agent's (`agent`). */
interface Said {
  id: string;
  message: string;
  senderName: string;
  senderAvatarUrl: string | null;
  openPanel?: boolean;
  agent?: boolean;
}

/** What `FIRST_PARTY_ID` keeps in `localStorage`, as JSON. */
interface Stored {
  /** The presence id. */
  i: string;
  /** When the last beacon went (ms): a visit ends after 30 minutes without one. */
  t: number;
  /** Pages in this visit. */
  n: number;
  /** The agents' messages and the triggers shown already (the last 20). */
  s: string[];
}

// Anonymous, their variables one letter: a smaller chunk.
const LIST =
  'query($k:String!){widgetTriggers(websiteKey:$k){id message senderName senderAvatarUrl openPanel conditions{field operator value values}}}';
const START = 'mutation($i:StartConversationInput!){startConversation(input:$i){id lastSeq}}';

const CLOSE: Record<Locale, string> = { en: 'Dismiss', fr: 'Fermer', es: 'Cerrar' };
const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';
/** The beacon's pace while the page is visible, and the least time between two (the server takes 6 a minute). */
const EVERY = 30_000;
const GAP = 10_000;
/** A visit ends after this long without a beacon (the site not open, or hidden). */
const VISIT = 30 * 60_000;

/** Started by the loader once the launcher is on the page; a failure (the server unreachable) shows nothing. */
export function start(host: Host): void {
  const { api, key, launcher, config } = host;
  const endpoint = new URL(api, location.href);
  /** Where the SDK keeps the visitor's session, and whether it has a conversation (see host.ts). */
  const session = `chinwag:visitor:${key}`;
  const get = (k: string) => {
    try {
      return localStorage.getItem(k);
    } catch {
      return null;
    }
  };
  const firstParty = config.livePresence == 'FIRST_PARTY_ID';
  const mine = `chinwag:presence:${key}`;
  const now = Date.now();
  let kept: Stored | null = null;
  if (firstParty)
    try {
      kept = JSON.parse(get(mine)!) as Stored | null;
    } catch {
      // unreadable: a new id
    }
  if (typeof kept?.i != 'string') kept = null;
  const returning = !!kept;
  // 22 random characters of 64: 132 bits.
  const presence: Stored = {
    i:
      kept?.i ??
      Array.from(
        crypto.getRandomValues(new Uint8Array(22)),
        (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63],
      ).join(''),
    t: now,
    n: kept && now - kept.t < VISIT ? kept.n + 1 : 1,
    s: kept?.s ?? [],
  };
  /** Keeps the presence (`FIRST_PARTY_ID` only; never otherwise). */
  const keep = () => {
    if (firstParty)
      try {
        localStorage.setItem(mine, JSON.stringify(presence));
      } catch {
        // storage blocked: the id lasts as long as the page
      }
  };
  keep();

  let styled = false;
  let bubble: { el: HTMLElement; said: Said } | undefined;
  /** No more triggers on this page: the visitor chats, or their conversation goes on. */
  let quiet = false;
  /** The agents' messages waiting for their bubble, oldest first. */
  const waiting: Said[] = [];
  const seen = new Set(presence.s);
  const isOpen = () => launcher.getAttribute('aria-expanded') === 'true';
  const dismiss = () => {
    bubble?.el.remove();
    bubble = undefined;
  };

  /** Opens the chat with the message as a new conversation's first. */
  const reply = async (said: Said) => {
    // The visitor chats: no trigger after this on the page.
    quiet = true;
    dismiss();
    const core = await host.core();
    const m = {
      key: said.id,
      id: said.id,
      body: said.message,
      senderKind: said.agent ? 'AGENT' : 'BOT',
      senderName: said.senderName,
      senderAvatarUrl: said.senderAvatarUrl,
      status: 'sent',
      createdAt: new Date().toISOString(),
    } as ChatMessage;
    const begin = (input: object) =>
      core.client.request<{ startConversation: VisitorConversation }>(START, { i: input }).then((r) => r.startConversation);
    core.trigger = {
      m,
      async start(text) {
        // A trigger turned off since it was listed, an agent's message expired or
        // answered: the reply still starts a conversation.
        const started = await begin({ body: text, [said.agent ? 'proactiveMessageId' : 'triggerId']: said.id }).catch(
          (e: { code?: string }) => (e.code === 'NOT_FOUND' ? begin({ body: text }) : Promise.reject(e)),
        );
        core.trigger = undefined;
        // Started, then sent: page analytics pushes the two in that order.
        core.started(started);
        core.sent({ conversationId: started.id, body: text });
        return started;
      },
    };
    await core.open();
  };

  /** Shows the bubble by the launcher. */
  const show = (said: Said) => {
    if (!styled) host.style(css);
    styled = true;
    const el = document.createElement('div');
    el.className = 'tg';
    el.setAttribute('role', 'status');
    el.innerHTML = `<button class="tg-x" type="button">${CLOSE_ICON}</button><button class="tg-open" type="button"><span class="tg-who"></span><span class="tg-msg"></span></button>`;
    const [close, open] = el.children as unknown as [HTMLButtonElement, HTMLButtonElement];
    const who = open.firstChild as HTMLElement;
    close.setAttribute('aria-label', CLOSE[host.locale()]);
    const avatar = document.createElement(said.senderAvatarUrl ? 'img' : 'b');
    if (said.senderAvatarUrl) (avatar as HTMLImageElement).src = new URL(said.senderAvatarUrl, endpoint).href;
    else avatar.textContent = said.senderName[0] ?? '';
    avatar.setAttribute('aria-hidden', 'true');
    who.append(avatar, said.senderName);
    open.lastChild!.textContent = said.message;
    close.onclick = () => {
      dismiss();
      launcher.focus();
      next();
    };
    open.onclick = () => void reply(said);
    launcher.before(el);
    bubble = { el, said };
  };

  /** Shows the next agent's message waiting, if nothing else shows (a trigger's bubble gives way). */
  const next = () => {
    if (isOpen() || bubble?.said.agent || !waiting.length) return;
    dismiss();
    show(waiting.shift()!);
  };

  // Live presence: the beacon.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  let page = location.href.split('#')[0];
  /** Sends the beacon now, and the next in 30 s while the page is visible. */
  const beacon = () => {
    clearTimeout(timer);
    last = presence.t = Date.now();
    keep();
    if (!document.hidden) timer = setTimeout(beacon, EVERY);
    let visitorToken: string | undefined;
    try {
      visitorToken = (JSON.parse(get(session)!) as { token?: string } | null)?.token;
    } catch {
      // none
    }
    fetch(new URL('presence', endpoint), {
      method: 'POST',
      // A simple cross-origin request (no preflight); `keepalive` lets the page leave meanwhile.
      headers: { 'content-type': 'text/plain' },
      keepalive: true,
      body: JSON.stringify({
        websiteKey: key,
        presenceId: presence.i,
        url: location.href,
        title: document.title,
        referrer: document.referrer || undefined,
        pagesViewed: presence.n,
        returning,
        visitorToken,
      }),
    })
      .then((r) => r.json())
      .then((answer: { messages?: ProactiveMessage[] }) => {
        for (const { id, body, senderName, senderAvatarUrl } of answer.messages ?? []) {
          if (seen.has(id)) continue;
          seen.add(id);
          presence.s = [...presence.s, id].slice(-20);
          waiting.push({ id, message: body, senderName, senderAvatarUrl, agent: true });
        }
        keep();
        next();
      })
      .catch(() => {});
  };
  /** The beacon `wait` ms from now, at least `GAP` after the last one. */
  const soon = (wait: number) => {
    clearTimeout(timer);
    timer = setTimeout(beacon, Math.max(wait, last + GAP - Date.now()));
  };
  const live = config.livePresence != 'OFF';
  if (live) {
    beacon();
    // Hidden: no beacon (the server forgets the visitor after a minute); visible again: one
    // at once (or as soon as the server takes it).
    document.addEventListener('visibilitychange', () => (document.hidden ? clearTimeout(timer) : soon(0)));
  }

  // Every second: a single-page app's change of address, the bubble, the triggers.
  let since = 0;
  let url = location.href;
  let triggers: WidgetTrigger[] = [];
  let busy = false;
  /** Whether the visitor's latest conversation is still going on (one who has written before). */
  const talking = async () => {
    if (!get(`${session}:talked`)) return false;
    // Unknown (the server unreachable): as if it were, so as not to interrupt.
    const { nodes } = await (await host.core()).client.conversations({ first: 1 }).catch(() => ({ nodes: [{ status: 'OPEN' }] }));
    return !!nodes[0] && nodes[0].status !== 'RESOLVED';
  };
  const tick = async () => {
    if (location.href !== url) {
      url = location.href;
      since = performance.now();
      // Another page (not just another anchor): the beacon says so, once the address settles.
      const now = url.split('#')[0];
      if (live && now !== page) {
        page = now;
        if (firstParty) presence.n++;
        soon(1000);
      }
    }
    // While the chat is open, no bubble: an agent's message waits for it to close.
    if (isOpen()) {
      if (bubble?.said.agent) waiting.unshift(bubble.said);
      return dismiss();
    }
    next();
    if (bubble || busy || quiet) return;
    const facts = {
      url,
      referrer: document.referrer,
      seconds: (performance.now() - since) / 1000,
      // With a first-party id, the visit's own figures; else each page is a visit of its own.
      pages: firstParty ? presence.n : 1,
      returning: (firstParty && returning) || !!get(session),
    };
    const trigger = triggers.find((t) => !seen.has(t.id) && holds(t.conditions, facts));
    if (!trigger) return;
    busy = true;
    try {
      if (await talking()) return void (quiet = true);
      if (isOpen()) return;
      seen.add(trigger.id);
      // With a first-party id, once per visitor (not once per page).
      presence.s = [...presence.s, trigger.id].slice(-20);
      keep();
      host.emit('trigger', { id: trigger.id });
      if (trigger.openPanel) await reply(trigger);
      else show(trigger);
    } finally {
      busy = false;
    }
  };
  const run = () => void tick().catch(() => {});
  setInterval(run, 1000);

  if (config.hasTriggers)
    void fetch(
      `${api}${api.includes('?') ? '&' : '?'}query=${encodeURIComponent(LIST)}&variables=${encodeURIComponent(JSON.stringify({ k: key }))}`,
    )
      .then((r) => r.json())
      .then((body: { data?: { widgetTriggers: WidgetTrigger[] } }) => {
        triggers = body.data?.widgetTriggers ?? [];
        run();
      })
      .catch(() => {});
}
