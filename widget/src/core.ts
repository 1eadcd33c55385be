/**
 * The core chunk: the visitor's `@chinwag/sdk` client and what lives as long as the page
 * does, open or closed: who the visitor is (`identify`, `set`), the unread count and its
 * sound, the `message` and `send` events, the page-analytics push, sending what
 * `track` kept once there is a session (through the `track` chunk), and loading the
 * panel. Loaded when the chat opens, when the site calls `identify` or `set`, or once the
 * page is idle for a returning visitor.
 */
import {
  ChinwagError,
  createVisitorClient,
  isChinwagError,
  type ChatMessage,
  type Message,
  type VisitorClient,
  type VisitorConversation,
} from '@chinwag/sdk';
import type { IdentifyUser, WidgetError } from './api.js';
import type { CoreApi, Host, Locale } from './host.js';
import css from './core.css';
import { loadStrings, strings, type Strings } from './panel/i18n.js';

/** How many of the visitor's latest conversations are followed live for the badge (the server caps open ones at 5). */
const WATCHED = 5;

// Anonymous, its variable one letter: the open chat's bytes are scarce.
const TRACK_PAGE_VIEW = 'mutation($i:TrackPageViewInput!){trackPageView(input:$i)}';

declare global {
  interface Window {
    /** Google Tag Manager's data layer, which page analytics pushes to. */
    dataLayer?: object[];
  }
}

/** What the panel reads and calls. */
export interface Core extends CoreApi {
  readonly host: Host;
  /** The visitor's client; replaced on `identify` (then `generation` changes). */
  readonly client: VisitorClient;
  /** Bumped whenever `client` is replaced: the panel starts over. */
  readonly generation: number;
  readonly isOpen: boolean;
  /** Unread messages per conversation id. */
  readonly unread: ReadonlyMap<string, number>;
  /** Calls `listener` after any change above (and on a language change); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** The panel shows this conversation (`null`: none), so its messages are not unread while visible. */
  viewing(conversationId: string | null): void;
  /** The panel marked this conversation read. */
  read(conversationId: string): void;
  /** The visitor started a conversation: follow it. */
  started(conversation: VisitorConversation): void;
  /** The server accepted the visitor's message: tells `on('send')` and page analytics. */
  sent(message: Pick<Message, 'conversationId' | 'body'>): void;
  /**
   * Page analytics: on a website with `pageAnalytics` on, pushes `{ event: 'chinwag_' +
   * name, ...fields }` to the page's `dataLayer` (made only when the page has none);
   * otherwise does nothing. `fields` are `chinwag_`-prefixed ids and numbers, never a
   * message's text, a name or an email (docs/integrations.md#page-analytics lists them).
   */
  push(name: string, fields?: object): void;
  /** Reports a failure through `on('error')`, and returns it as a {@link WidgetError}. */
  report(error: unknown): WidgetError;
  /** The panel's text in `locale`, if loaded already (the visitor's is, once the panel is mounted). */
  strings(locale: Locale): Strings | undefined;
  /** Loads the panel's text in `locale`. */
  loadStrings(locale: Locale): Promise<Strings>;
  /**
   * A trigger's message, or an agent's to a live visitor, that the visitor chose to
   * answer (set by the visit's chunk, `visit.ts`; cleared once answered): the chat shows
   * `m` as a new conversation's first message, and `start` starts that conversation with
   * the visitor's reply (the server stores the trigger's or the agent's message first).
   */
  trigger?: { m: ChatMessage; start(body: string): Promise<VisitorConversation> } | undefined;
}

/**
 * The unread count's word on the launcher. (Its label is the loader's `openLabel` while
 * closed, the panel's own `close` while open: the panel's text is loaded by then.)
 */
const UNREAD: Record<Locale, string> = { en: 'unread', fr: 'non lu(s)', es: 'sin leer' };

const CLOSE_ICON = '<svg class="i-close" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 9l6 6 6-6"/></svg>';

/** Starts the core: called by the loader with what it lends. */
export function start(host: Host): Core {
  const { launcher } = host;
  host.style(css);
  launcher.insertAdjacentHTML('beforeend', `${CLOSE_ICON}<span class="badge" aria-hidden="true" hidden></span>`);
  const badge = launcher.lastElementChild as HTMLElement;
  const listeners = new Set<() => void>();
  const watched = new Map<string, () => void>();
  /** Per conversation: unread count and the last `seq` that count accounts for. */
  const counts = new Map<string, { unread: number; seq: number }>();
  /**
   * What `set` gave while there was no session, for its start (the SDK reads the object
   * then); in the page's memory only.
   */
  let attributes: Record<string, string> = {};
  let client = makeClient();
  let generation = 0;
  let isOpen = false;
  let shown: string | null = null;
  let panel: Promise<unknown> | undefined;
  /** This page was recorded for the current client's visitor. */
  let pageRecorded = false;
  // Each time the socket is (back) online, counts are read again: the watch streams are
  // live only, so whatever arrived before they were listening is counted from the server.
  const follow = () => client.onConnectionState((state) => state === 'online' && sync());
  let unfollow = follow();

  function makeClient(user?: IdentifyUser): VisitorClient {
    return createVisitorClient({
      url: host.api,
      websiteKey: host.key,
      name: user?.name,
      email: user?.email,
      externalId: user?.userId,
      userHash: user?.userHash,
      emailHash: user?.emailHash,
      attributes,
    });
  }

  let shownCount = 0;
  /** The launcher shows the open state and the unread count; listeners hear of any change. */
  const changed = () => {
    const count = [...counts.values()].reduce((n, c) => n + c.unread, 0);
    const locale = host.locale();
    launcher.setAttribute('aria-expanded', String(isOpen));
    launcher.setAttribute(
      'aria-label',
      (isOpen ? strings(locale)!.close : host.openLabel()) + (count ? `, ${count} ${UNREAD[locale]}` : ''),
    );
    launcher.parentElement!.classList.toggle('open', isOpen);
    badge.textContent = count > 9 ? '9+' : String(count);
    badge.hidden = !count;
    if (count !== shownCount) host.emit('unread', { count: (shownCount = count) });
    listeners.forEach((l) => l());
  };
  const visible = (id: string) => isOpen && shown === id && document.visibilityState === 'visible';

  /**
   * Sends the events `track` kept, once there is a session (never starting one): after
   * the first message, with a resumed or identified session, at each later `track`,
   * and again when the live connection is back (a failed send is kept for then). The
   * sending is an on-demand piece, loaded only by a page that tracks.
   */
  const flush = () =>
    void (
      client.hasSession() &&
      host.tracked.length &&
      import('./track.js').then(
        (t) => t.send(core),
        () => {},
      )
    );

  /**
   * Tells the team which page the visitor is on, once per page and visitor, and only
   * once a session exists (never starting one). A failure is not the visitor's concern.
   */
  function recordPage() {
    if (pageRecorded) return;
    pageRecorded = true;
    const input = { url: location.href, title: document.title || undefined, referrer: document.referrer || undefined };
    client.request(TRACK_PAGE_VIEW, { i: input }).catch(() => {});
  }

  /** Loads the visitor's latest conversations' unread counts and follows them live. */
  async function sync(): Promise<void> {
    if (!client.hasSession()) return;
    recordPage();
    flush();
    const mine = client;
    try {
      const { nodes } = await client.conversations({ first: 20 });
      if (mine !== client) return;
      for (const c of nodes)
        // Only a read that saw later messages replaces the count: live messages (and the
        // panel's reading) may have overtaken it, and then the page's count is the newer.
        if ((counts.get(c.id)?.seq ?? -1) < c.lastSeq)
          counts.set(c.id, { unread: visible(c.id) ? 0 : c.unreadCount, seq: c.lastSeq });
      nodes.slice(0, WATCHED).forEach((c) => watch(c.id));
      changed();
    } catch (e) {
      report(e);
    }
  }

  function watch(id: string) {
    if (watched.has(id)) return;
    host.talked('1');
    watched.set(
      id,
      // From the seq the count holds: what the server stored before this subscription
      // began (a quick reply while the live connection was on its way) is replayed, not lost.
      client.conversationEvents(
        id,
        {
          message(m) {
            if (m.senderKind === 'VISITOR' || m.isPrivate) return;
            const c = counts.get(id) ?? { unread: 0, seq: 0 };
            // A replay after a reconnect may repeat what the last count already holds.
            if (m.seq <= c.seq) return;
            c.seq = m.seq;
            counts.set(id, c);
            host.emit('message', { conversationId: id, body: m.body, senderKind: m.senderKind, createdAt: m.createdAt });
            if (visible(id)) return;
            c.unread++;
            // The sound is an on-demand chunk: a visitor who reads along never loads it.
            if (host.sound)
              import('./sound.js').then(
                (s) => s.ding(),
                () => {},
              );
            changed();
          },
          error: () => watched.delete(id),
        },
        { afterSeq: counts.get(id)!.seq },
      ),
    );
  }

  /** Replaces the client (identify, forget): everything live starts over. */
  function swap(user?: IdentifyUser) {
    unfollow();
    watched.forEach((stop) => stop());
    watched.clear();
    counts.clear();
    client.dispose();
    client = makeClient(user);
    pageRecorded = false;
    unfollow = follow();
    generation++;
    changed();
  }

  function report(error: unknown): WidgetError {
    const e = {
      code: isChinwagError(error) ? error.code : 'INTERNAL',
      message: (error as Error)?.message ?? String(error),
    };
    host.emit('error', e);
    return e;
  }

  // (GTM reads the page's array, and replaces its `push` once loaded: `??=`, never `=`.)
  const push: Core['push'] = (name, fields) =>
    void (host.config.pageAnalytics && (window.dataLayer ??= []).push({ event: 'chinwag_' + name, ...fields }));

  // The visitor's language comes with the panel, fetched side by side.
  const loadPanel = () =>
    (panel ??= Promise.all([host.panel(), loadStrings(host.locale())]).then(
      ([m]) => m.mount(core),
      (e) => {
        panel = undefined;
        throw e;
      },
    ));

  const core: Core = {
    host,
    get client() {
      return client;
    },
    get generation() {
      return generation;
    },
    get isOpen() {
      return isOpen;
    },
    get unread() {
      return new Map([...counts].map(([id, c]) => [id, c.unread]));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async open() {
      await loadPanel();
      if (isOpen) return;
      isOpen = true;
      changed();
      host.emit('open', {});
      push('opened');
    },
    close() {
      if (!isOpen) return;
      // Focus goes back to the launcher only if it was in the widget: a site's own
      // `Chinwag('close')` must not steal it from the page.
      const hadFocus = !!host.root.activeElement;
      isOpen = false;
      changed();
      host.emit('close', {});
      if (hadFocus) launcher.focus();
    },
    async identify(user) {
      if (user === null) {
        attributes = {};
        host.tracked.length = 0;
        client.forget();
        host.talked('');
        swap();
        host.emit('identify', { visitorId: null, userId: null });
        return;
      }
      if (user.userId && !user.userHash) throw report(new ChinwagError('BAD_USER_INPUT', 'identify: userId needs userHash'));
      swap(user);
      try {
        const visitor = await client.visitor();
        host.emit('identify', { visitorId: visitor.id, userId: visitor.externalId ?? null });
        void sync();
      } catch (e) {
        // A refused identity leaves the visitor as they were: anonymous (or their stored session).
        swap();
        void sync();
        throw report(e);
      }
    },
    async set(values) {
      const has = client.hasSession();
      const set: Record<string, string> = {};
      const remove: string[] = [];
      const entries = Object.entries(values);
      // The server's rules, checked first: kept for the session's start, a bad one would
      // make the start (and the visitor's first message) fail.
      if (
        entries.some(([k, v]) => !/^[\w-]{1,40}$/.test(k) || [...`${v}`].length > 500) ||
        (!has && Object.keys({ ...attributes, ...values }).length > 20)
      )
        throw report(new ChinwagError('BAD_USER_INPUT', 'set: bad key or value, or over 20'));
      for (const [k, v] of entries) {
        delete attributes[k];
        if (v == null) remove.push(k);
        else (has ? set : attributes)[k] = `${v}`;
      }
      try {
        if (has) await client.setAttributes(set, remove);
      } catch (e) {
        throw report(e);
      }
    },
    toggle: async () => (isOpen ? core.close() : core.open()),
    // Open, the launcher's label is the panel's text: in the new language once loaded.
    relocalize: () => void (isOpen ? loadStrings(host.locale()).then(changed, () => {}) : changed()),
    prefetch: () => loadPanel().catch(() => {}),
    viewing(id) {
      shown = id;
    },
    read(id) {
      const c = counts.get(id);
      if (c?.unread) {
        c.unread = 0;
        changed();
      }
    },
    started(conversation) {
      counts.set(conversation.id, { unread: 0, seq: conversation.lastSeq });
      watch(conversation.id);
      changed();
      push('conversation_started', { chinwag_conversation_id: conversation.id });
    },
    sent({ conversationId, body }) {
      host.emit('send', { conversationId, body });
      push('message_sent', { chinwag_conversation_id: conversationId });
      flush();
    },
    push,
    report,
    strings,
    loadStrings,
  };

  changed();
  void sync();
  // Each later `track` too. (Through the page's own API, which the loader defined before
  // loading this chunk, rather than a hook of the loader's: not one byte more with the page.)
  window.Chinwag?.('on', 'track', flush);
  return core;
}
