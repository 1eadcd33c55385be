/**
 * The chat panel: a dialog with the website's name and availability, and either one
 * conversation, the list of the visitor's conversations, or (while nobody is available,
 * on a website that takes offline messages) the offline form for a new conversation;
 * the footer offers the conversation's transcript by email, links the website's privacy
 * policy, offers "Delete my conversations" where the website allows it, and says
 * "Powered by Chinwag" when the website shows it. It stays mounted while
 * closed (hidden), so reopening is instant and the conversation stays live. Focus moves
 * into it on open and back to the launcher on close; Escape closes it; on a phone it
 * fills the screen and keeps Tab inside.
 */
import type { ConnectionState, WidgetConfig } from '@chinwag/sdk';
import type { Core } from '../core.js';
import { Chat } from './Chat.js';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from './dom.js';
import type { Strings } from './i18n.js';
import { BackIcon, CloseIcon, ListIcon } from './icons.js';
import { lazy } from './lazy.js';
import { safeHref } from './text.js';

/** Loaded when the visitor asks for their conversations. */
const List = lazy(() => import('./List.js').then((m) => m.List));
/** Loaded when a new conversation would start while nobody is available. */
export const Offline = lazy(() => import('./Offline.js').then((m) => m.Offline));
/** Loaded when the visitor asks for the transcript. */
const Transcript = lazy(() => import('./Transcript.js').then((m) => m.Transcript));
/** Loaded when the visitor asks to delete their conversations. */
const Delete = lazy(() => import('./Delete.js').then((m) => m.Delete));

/** Nobody can answer (outside business hours, or no agent online) and the website takes offline messages. */
export const isOffline = (c: Pick<WidgetConfig, 'offlineMessages' | 'businessHoursOpen' | 'agentOnline'>): boolean =>
  c.offlineMessages && !(c.businessHoursOpen && c.agentOnline);

type View = { kind: 'loading' } | { kind: 'list' } | { kind: 'chat'; id: string | null; first?: string };

/** The panel is full-screen (and so modal) at this width. */
const PHONE = '(max-width: 520px)';

export function App({ core }: { core: Core }) {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  // A layout effect: subscribed before `mount` returns, so the `open` that follows renders.
  // `core` is the widget's one, for the page's life.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => core.subscribe(() => bump(0)), []);
  // Everything in the panel belongs to one client: after `identify` replaces it, the panel
  // starts over, never rendering the old view even once (its conversation, opened with
  // the new client, would start a session for a new visitor).
  return <Panel key={core.generation} core={core} />;
}

/** Said by a panel whose visitor deleted their data, for the next one (the new session's) to show. */
let gone = '';

function Panel({ core }: { core: Core }) {
  // Taken once: this panel's to show, until the visitor starts a conversation.
  const [notice] = useState(() => {
    const said = gone;
    gone = '';
    return said;
  });
  const { host, client, isOpen } = core;
  const locale = host.locale();
  // A language not loaded yet keeps the current text until it arrives.
  const [t, setT] = useState<Strings>(() => core.strings(locale)!);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `core` is the widget's one, for the page's life
  useEffect(() => void core.loadStrings(locale).then(setT, () => {}), [locale]);
  // The loader's lacks `answerDrafts` (read as false) until the refresh on opening, below.
  const [config, setConfig] = useState(host.config as WidgetConfig);
  const [view, setView] = useState<View>({ kind: 'loading' });
  // Bumped when the visitor goes somewhere else (not when their first message starts the
  // conversation on screen: that one stays mounted, with the focus and any new draft).
  const [visit, setVisit] = useState(0);
  const [lastChat, setLastChat] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const connection = useConnection(core);
  /** What the footer has open: a conversation's transcript form (its id) or the deletion's confirmation ('delete'). */
  const [form, setForm] = useState<string | null>(null);
  const toggle = (which: string) => setForm(form === which ? null : which);

  // A returning visitor continues their latest conversation; a new one starts blank.
  useEffect(() => {
    let current = true;
    // A trigger's message starts a new one (see visit.ts).
    if (!client.hasSession() || core.trigger) return void open({ kind: 'chat', id: null }, false);
    setView({ kind: 'loading' });
    client.conversations({ first: 1 }).then(
      ({ nodes }) => current && open({ kind: 'chat', id: nodes[0]?.id ?? null }, false),
      (e) => current && (core.report(e), open({ kind: 'chat', id: null }, false)),
    );
    return () => void (current = false);
    // Once per panel: the panel is keyed by the client's generation, so `core` and
    // `client` never change under it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A trigger answered while the panel shows another view: a new conversation, with it.
  useEffect(() => void (core.trigger && open({ kind: 'chat', id: null })), [core.trigger]);

  // Availability may have changed since the page loaded.
  useEffect(() => {
    if (isOpen) client.widgetConfig().then(setConfig, () => {});
    // `client` is fixed for the panel (keyed by the client's generation).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [isOpen]);

  // Focus follows the visitor: into the panel when it opens or changes view.
  useEffect(() => {
    if (!isOpen) return;
    const target = panel.current!.querySelector<HTMLElement>('[data-autofocus]') ?? panel.current!.querySelector('button');
    target?.focus();
  }, [isOpen, visit, view.kind]);

  const open = (next: View, elsewhere = true) => {
    if (next.kind === 'chat') setLastChat(next.id);
    if (elsewhere) setVisit((n) => n + 1);
    setView(next);
  };

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      core.close();
    } else if (e.key === 'Tab' && matchMedia(PHONE).matches) {
      // Full screen hides the page: keep focus in the panel.
      const all = [...panel.current!.querySelectorAll<HTMLElement>('button:not([disabled]),textarea,a[href],[tabindex="0"]')];
      const edge = e.shiftKey ? all[0] : all[all.length - 1];
      if (host.root.activeElement === edge) {
        e.preventDefault();
        (e.shiftKey ? all[all.length - 1] : all[0])!.focus();
      }
    }
  }

  const chatId = view.kind === 'chat' ? view.id : null;
  // The server takes only http(s) addresses; the widget links nothing else either.
  const privacy = config.privacyPolicyUrl && safeHref(config.privacyPolicyUrl);
  // Only a visitor with a session has anything to delete.
  const canDelete = config.visitorDeletion && client.hasSession();
  const otherUnread = [...core.unread].reduce((n, [id, count]) => (view.kind === 'chat' && id === view.id ? n : n + count), 0);

  return (
    <div
      class="panel"
      ref={panel}
      role="dialog"
      aria-labelledby="cw-title"
      aria-describedby="cw-status"
      hidden={!isOpen}
      onKeyDown={onKeyDown}
    >
      <header>
        {view.kind === 'list' ? (
          <button type="button" class="icon" aria-label={t.back} onClick={() => open({ kind: 'chat', id: lastChat })}>
            <BackIcon />
          </button>
        ) : (
          client.hasSession() && (
            <button type="button" class="icon" aria-label={t.showConversations} onClick={() => open({ kind: 'list' })}>
              <ListIcon />
              {otherUnread > 0 && <span class="dot" aria-hidden="true" />}
            </button>
          )
        )}
        <div class="title">
          <h2 id="cw-title">{view.kind === 'list' ? t.conversations : config.websiteName}</h2>
          <p id="cw-status">
            <span class={config.agentOnline ? 'presence on' : 'presence'} aria-hidden="true" />
            {config.agentOnline ? t.online : t.away}
          </p>
        </div>
        <button type="button" class="icon" aria-label={t.close} onClick={() => core.close()}>
          <CloseIcon />
        </button>
      </header>
      {connection !== 'online' && (
        <p class="banner" role="status">
          {t.reconnecting}
        </p>
      )}
      {notice && !chatId && (
        <p class="note" role="status" tabIndex={-1} data-autofocus>
          {notice}
        </p>
      )}
      {view.kind === 'loading' ? (
        <p class="note grow" role="status">
          {t.loading}
        </p>
      ) : view.kind === 'list' ? (
        <List core={core} t={t} onOpen={(id) => open({ kind: 'chat', id })} onNew={() => open({ kind: 'chat', id: null })} />
      ) : !view.id && isOffline(config) ? (
        <Offline key={visit} core={core} t={t} config={config} />
      ) : (
        <Chat
          key={visit}
          core={core}
          t={t}
          config={config}
          id={view.id}
          first={view.first}
          onStarted={(id, first) => open({ kind: 'chat', id, first }, false)}
          onNew={() => open({ kind: 'chat', id: null })}
        />
      )}
      {(chatId || config.poweredBy || privacy || canDelete) && (
        <footer class="foot">
          {chatId && (
            <button type="button" class="link" aria-expanded={form === chatId} onClick={() => toggle(chatId)}>
              {t.transcript}
            </button>
          )}
          {privacy && (
            <a class="link" href={privacy} target="_blank" rel="noopener noreferrer">
              {t.privacy}
            </a>
          )}
          {canDelete && (
            <button type="button" class="link" aria-expanded={form === 'delete'} onClick={() => toggle('delete')}>
              {t.deleteData}
            </button>
          )}
          {config.poweredBy && <span class="powered">{t.poweredBy}</span>}
          {chatId && form === chatId && <Transcript core={core} conversationId={chatId} onClose={() => setForm(null)} />}
          {canDelete && form === 'delete' && (
            <Delete core={core} onClose={() => setForm(null)} onDone={(text) => (gone = text)} />
          )}
        </footer>
      )}
    </div>
  );
}

/**
 * The live connection's state, for the "Reconnecting…" banner: only after it was
 * online once (before that, no socket is a normal state, not a failure).
 */
function useConnection(core: Core): ConnectionState {
  const [state, setState] = useState<ConnectionState>('online');
  useEffect(() => {
    let seen = false;
    return core.client.onConnectionState((s) => {
      seen ||= s === 'online';
      setState(seen ? s : 'online');
    });
    // The client is fixed for the panel (keyed by the client's generation).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return state;
}
