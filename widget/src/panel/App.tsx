/**
 * The chat panel: a dialog with the website's name and availability, and either one
 * conversation or the list of the visitor's conversations. It stays mounted while
 * closed (hidden), so reopening is instant and the conversation stays live. Focus moves
 * into it on open and back to the launcher on close; Escape closes it; on a phone it
 * fills the screen and keeps Tab inside.
 */
import type { ConnectionState, WidgetConfig } from '@chinwag/sdk';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { Core } from '../core.js';
import { Chat } from './Chat.js';
import { loadStrings, strings, type Strings } from './i18n.js';
import { BackIcon, CloseIcon, ListIcon } from './icons.js';
import { lazy } from './lazy.js';

/** Loaded when the visitor asks for their conversations. */
const List = lazy(() => import('./List.js').then((m) => m.List));

type View = { kind: 'loading' } | { kind: 'list' } | { kind: 'chat'; id: string | null; first?: string };

/** The panel is full-screen (and so modal) at this width. */
const PHONE = '(max-width: 520px)';

export function App({ core }: { core: Core }) {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  // A layout effect: subscribed before `mount` returns, so the `open` that follows renders.
  useLayoutEffect(() => core.subscribe(() => bump(0)), []);
  const { host, client, isOpen, generation } = core;
  const locale = host.locale();
  // A language not loaded yet keeps the current text until it arrives.
  const [t, setT] = useState<Strings>(() => strings(locale)!);
  useEffect(() => void loadStrings(locale).then(setT, () => {}), [locale]);
  const [config, setConfig] = useState<WidgetConfig>(host.config);
  const [view, setView] = useState<View>({ kind: 'loading' });
  // Bumped when the visitor goes somewhere else (not when their first message starts the
  // conversation on screen: that one stays mounted, with the focus and any new draft).
  const [visit, setVisit] = useState(0);
  const [lastChat, setLastChat] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const connection = useConnection(core);

  // A returning visitor continues their latest conversation; a new one starts blank.
  useEffect(() => {
    let current = true;
    if (!client.hasSession()) return void open({ kind: 'chat', id: null }, false);
    setView({ kind: 'loading' });
    client.conversations({ first: 1 }).then(
      ({ nodes }) => current && open({ kind: 'chat', id: nodes[0]?.id ?? null }, false),
      (e) => current && (core.report(e), open({ kind: 'chat', id: null }, false)),
    );
    return () => void (current = false);
  }, [generation]);

  // Availability may have changed since the page loaded.
  useEffect(() => {
    if (isOpen) client.widgetConfig().then(setConfig, () => {});
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
      {view.kind === 'loading' ? (
        <p class="note grow" role="status">
          {t.loading}
        </p>
      ) : view.kind === 'list' ? (
        <List core={core} t={t} onOpen={(id) => open({ kind: 'chat', id })} onNew={() => open({ kind: 'chat', id: null })} />
      ) : (
        <Chat
          key={`${generation}:${visit}`}
          core={core}
          t={t}
          config={config}
          id={view.id}
          first={view.first}
          onStarted={(id, first) => open({ kind: 'chat', id, first }, false)}
          onNew={() => open({ kind: 'chat', id: null })}
        />
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
  }, [core.generation]);
  return state;
}
